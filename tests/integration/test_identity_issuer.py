#!/usr/bin/env python3
"""Issuer pinning (issue 3 item 3; SPEC section 2), with a broker whose listener trusts
two CAs (both CA certificates concatenated into its `cafile`):

- a map entry `"node7" node7 "issuer=CN=certacl test CA"`: node7 signed by that CA is
  accepted, the same CN signed by the other CA is refused (CONNACK 0x87 + log line);
  control: another certificate of the other CA connects, so the refusal is the pin's
  and not TLS's;
- a global `plugin_opt_issuer sha256:<fingerprint of CA1>` with `plugin_opt_ca_file` =
  CA1's PEM: every certificate of CA2 is refused, those of CA1 are accepted;
- a global DN pin naming CA2: the CA1 certificates are refused.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

ACL = """user node7
topic readwrite n7/#

user plain
topic readwrite plain/#
"""


def setUpModule():
    global ENV, ACL_PATH, BOTH_CAS, CA1, CA2, CA1_DN, CA2_DN
    # CA1 ("certacl test CA") and CA2 ("unrelated CA") each issue "node7" and "plain".
    ENV = h.CertEnv(["node7", "plain"], other_clients=["node7", "plain"])
    CA1 = ENV.ca
    CA2 = os.path.join(ENV.other, "ca.pem")
    CA1_DN, CA2_DN = ih.subject_dn(CA1), ih.subject_dn(CA2)
    h.log("CA1 %s  %s" % (CA1_DN, ih.fingerprint_line(CA1)))
    h.log("CA2 %s  %s" % (CA2_DN, ih.fingerprint_line(CA2)))
    assert CA1_DN != CA2_DN, "the two CAs must differ: %s" % CA1_DN
    BOTH_CAS = ih.concat(ENV.path("both-cas.pem"), [CA1, CA2])
    ACL_PATH = ENV.write("acl", ACL)


def tearDownModule():
    ENV.cleanup()


def two_ca_listener():
    return [{"require_certificate": True, "cafile": BOTH_CAS}]


class MapEntryPin(ih.Case):
    @classmethod
    def setUpClass(cls):
        mp = ENV.write("issuer.map", '# node7 only from CA1; unmapped identities are their own user\n'
                       '"node7"  node7  "issuer=%s"\n' % CA1_DN)
        cls.start_broker(ENV, "pin-map", acl_files=[ACL_PATH], listeners=two_ca_listener(),
                         plugin_opts=[("identity_map", mp)])

    def test_right_issuer_accepted(self):
        cl = self.connect_ok("node7", user="node7")
        self.assert_pub(cl, "n7/data", allowed=True)

    def test_other_ca_trusted_by_listener(self):
        # control: the listener does trust CA2 (unpinned identity connects)
        cl = self.connect_ok("plain", user="plain", other_ca=True)
        self.assert_pub(cl, "plain/data", allowed=True)

    def test_same_cn_from_other_ca_refused(self):
        line = self.assert_refused("node7", why=r"issue", other_ca=True)
        self.assertIn(CA2_DN, line, "the refusal should name the actual issuer")


class GlobalFingerprintPin(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.pin = "sha256:" + ih.fingerprint(CA1)
        h.log("pin: %s" % cls.pin)
        cls.start_broker(ENV, "pin-sha256", acl_files=[ACL_PATH], listeners=two_ca_listener(),
                         plugin_opts=[("issuer", cls.pin), ("ca_file", CA1)])

    def test_ca1_accepted(self):
        for cn in ("plain", "node7"):
            cl = self.connect_ok(cn, user=cn)
            self.assert_pub(cl, "%s/data" % ("plain" if cn == "plain" else "n7"), allowed=True)

    def test_ca2_refused(self):
        for cn in ("plain", "node7"):
            self.assert_refused(cn, why=r"pinned issuer", other_ca=True)


class GlobalDnPin(ih.Case):
    """The other way round, by DN: only CA2 is allowed."""

    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "pin-dn", acl_files=[ACL_PATH], listeners=two_ca_listener(),
                         plugin_opts=[("issuer", CA2_DN)])

    def test_ca2_accepted_ca1_refused(self):
        cl = self.connect_ok("plain", user="plain", other_ca=True)
        self.assert_pub(cl, "plain/data", allowed=True)
        self.assert_refused("plain", why=r"pinned issuer")
        self.assert_refused("node7", why=r"pinned issuer")


if __name__ == "__main__":
    h.main()
