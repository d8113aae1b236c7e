#!/usr/bin/env python3
"""ACL-only use beside `use_identity_as_username true` (issue 3 item 6).

mosquitto then takes the username from the certificate CN itself and never calls
BASIC_AUTH; certacl (seed ACL, no other option) must still decide every access:
- HMI may publish STATE/+ and spBv1.0/#, and nothing else;
- SparkplugViewer may publish nothing, may subscribe spBv1.0/# and receives HMI's
  messages; its SUBSCRIBE to other/# is refused (certacl checks SUBSCRIBE; with no
  plugin and no acl_file mosquitto would grant and deliver everything);
- Stranger (no section) may publish nothing;
- a reload of the ACL file (SIGHUP) applies to connected clients.
"""

import os
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

# The seed file, with HMI's right on STATE/+ removed.
EDITED = """user MyEACM
topic read STATE/+
topic readwrite spBv1.0/#

user SparkplugViewer
topic read STATE/+
topic read spBv1.0/#

user HMI
topic read STATE/+
topic readwrite spBv1.0/#
"""


def setUpModule():
    global ENV
    ENV = h.CertEnv(["MyEACM", "SparkplugViewer", "HMI", "Stranger"])


def tearDownModule():
    ENV.cleanup()


class AclOnly(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.acl = ENV.path("acl")
        shutil.copyfile(h.SEED_ACL, cls.acl)
        cls.start_broker(ENV, "aclonly", acl_files=[cls.acl],
                         listeners=[{"require_certificate": True,
                                     "extra": ["use_identity_as_username true"]}])

    def test_1_basic_auth_not_called(self):
        # mosquitto names the user; certacl's BASIC_AUTH never runs, so it logs nothing
        # about a sent username, and the sent username is replaced by the CN anyway.
        since = self.broker.log_offset()
        v = self.connect_ok("SparkplugViewer", user="SparkplugViewer", username="HMI", password="x")
        self.assert_pub(v, "STATE/host1", allowed=False)   # viewer rights, not HMI's
        lines = self.broker.find_log(r"certacl: (client .*sent username|refused CONNECT)", since)
        h.log("  certacl BASIC_AUTH lines: %s" % lines)
        self.assertEqual(lines, [], "BASIC_AUTH ran beside use_identity_as_username")

    def test_2_hmi_rights(self):
        hmi = self.connect_ok("HMI", user="HMI")
        self.assert_pub(hmi, "STATE/host1", allowed=True)
        self.assert_pub(hmi, "spBv1.0/G1/NCMD/E1", allowed=True)
        self.assert_pub(hmi, "other/topic", allowed=False)
        self.assert_pub(hmi, "STATE/host1/extra", allowed=False)

    def test_3_viewer_and_stranger(self):
        viewer = self.connect_ok("SparkplugViewer", user="SparkplugViewer")
        self.assert_pub(viewer, "STATE/host1", allowed=False)
        self.assert_pub(viewer, "spBv1.0/G1/NDATA/E1", allowed=False)
        codes = viewer.subscribe(["spBv1.0/#", "other/#"])
        h.log("  viewer subscribe spBv1.0/#, other/# -> %s" % codes)
        self.assertIsNotNone(codes, "no SUBACK")
        self.assertTrue(h.suback_granted(codes[0]), "viewer subscribe spBv1.0/#: %s" % h.rc_name(codes[0]))
        self.assertEqual(codes[1], h.RC_NOT_AUTHORIZED, "viewer subscribe other/#: %s" % h.rc_name(codes[1]))
        hmi = self.connect_ok("HMI", user="HMI")
        payload = h.unique_id("ndata")
        self.assert_pub(hmi, "spBv1.0/G1/NDATA/E1", allowed=True, payload=payload)
        got = viewer.wait_message(lambda m: m[1] == payload)
        h.log("  viewer received: %s" % (got,))
        self.assertIsNotNone(got, "viewer did not receive HMI's spBv1.0 message")
        stranger = self.connect_ok("Stranger", user="Stranger")
        for t in ("STATE/host1", "spBv1.0/G1/NDATA/E1", "other/topic"):
            self.assert_pub(stranger, t, allowed=False)

    def test_4_reload_applies(self):
        hmi = self.connect_ok("HMI", user="HMI")
        self.assert_pub(hmi, "STATE/host1", allowed=True)
        ih.write_atomic(self.acl, EDITED)
        since, line = self.broker.reload()
        h.log("  log: %s" % line)
        self.assertIsNotNone(line, "no 'certacl: reloaded' after SIGHUP")
        h.wait_until(lambda: False, h.QUIET)
        self.assertTrue(hmi.connected(), "HMI disconnected by the reload")
        self.assert_pub(hmi, "STATE/host1", allowed=False)
        self.assert_pub(hmi, "spBv1.0/G1/NDATA/E1", allowed=True)
        shutil.copyfile(h.SEED_ACL, self.acl)
        since, line = self.broker.reload()
        self.assertIsNotNone(line, "no 'certacl: reloaded' after the second SIGHUP")


if __name__ == "__main__":
    h.main()
