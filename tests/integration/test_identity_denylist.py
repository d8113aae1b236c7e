#!/usr/bin/env python3
"""Revocation and reload (issue 3 item 4; SPEC section 2, last point).

- `plugin_opt_deny_list`: a certificate whose serial (as `openssl x509 -noout -serial`
  prints it) is listed is refused at CONNECT (0x87 + log line); others connect;
- a connected client whose certificate is then added to the list (a line as
  `openssl x509 -noout -fingerprint -sha256` prints it) is disconnected after SIGHUP
  (mosquitto re-runs BASIC_AUTH for every client), while another connected client stays
  connected and keeps publishing; the revoked certificate cannot reconnect;
- likewise with the identity map and `unmapped deny`: the client whose identity is
  removed from the map is disconnected after SIGHUP, the others stay.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

CNS = ["revoked", "victim", "bystander", "mapped-1", "mapped-2"]

ACL = "".join("user %s\ntopic readwrite t/%s/#\n\n" % (cn, cn) for cn in CNS)


def setUpModule():
    global ENV, ACL_PATH
    ENV = h.CertEnv(CNS)
    ACL_PATH = ENV.write("acl", ACL)


def tearDownModule():
    ENV.cleanup()


class DenyList(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.serial = ih.serial_line(ENV.cert("revoked")[0])
        cls.deny = ENV.write("deny.list", "# revoked certificates\n%s\n" % cls.serial)
        h.log("deny list: %s" % cls.serial)
        cls.start_broker(ENV, "deny", acl_files=[ACL_PATH], plugin_opts=[("deny_list", cls.deny)])

    def test_1_revoked_serial_refused(self):
        self.assert_refused("revoked", why=r"(?i)deny")
        # control: the others connect
        for cn in ("victim", "bystander"):
            cl = self.connect_ok(cn, user=cn)
            self.assert_pub(cl, "t/%s/x" % cn, allowed=True)

    def test_2_revoked_while_connected_is_disconnected(self):
        victim = self.connect_ok("victim", user="victim")
        bystander = self.connect_ok("bystander", user="bystander")
        fp = ih.fingerprint_line(ENV.cert("victim")[0])
        with open(self.deny, "a", encoding="utf-8") as f:
            f.write(fp + "\n")
        h.log("appended to the deny list: %s" % fp)
        since, line = self.broker.reload()
        h.log("  log: %s" % line)
        self.assertIsNotNone(line, "no 'certacl: reloaded' line after SIGHUP; log:\n%s"
                             % "\n".join(self.broker.log_lines(since)[-10:]))
        gone = victim.wait_disconnected(timeout=h.WAIT)
        h.log("  victim disconnected after SIGHUP: %s (error %r)" % (gone, victim.error))
        self.assertTrue(gone, "victim still connected %.0fs after SIGHUP, though its certificate "
                        "is now on the deny list" % h.WAIT)
        refused = self.broker.find_log(r"certacl: refused CONNECT from client '%s'" % victim.client_id, since)
        h.log("  log: %s" % refused)
        self.assertTrue(refused, "no refusal logged for the victim after SIGHUP")
        h.wait_until(lambda: False, h.QUIET)
        self.assert_still_connected(bystander, "t/bystander/x", "after the reload")
        # and it cannot come back
        self.assert_refused("victim", why=r"(?i)deny")
        self.assertEqual(self.broker.find_log(
            r"certacl: refused CONNECT from client '%s'" % bystander.client_id, since), [],
            "the bystander was refused at the reload")


class Unmap(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.map = ENV.write("identity.map", "mapped-1 *\nmapped-2 *\n")
        cls.start_broker(ENV, "unmap", acl_files=[ACL_PATH],
                         plugin_opts=[("identity_map", cls.map), ("unmapped", "deny")])

    def test_unmapped_by_reload_is_disconnected(self):
        m1 = self.connect_ok("mapped-1", user="mapped-1")
        m2 = self.connect_ok("mapped-2", user="mapped-2")
        self.assert_pub(m1, "t/mapped-1/x", allowed=True)
        ih.write_atomic(self.map, "# mapped-1 removed\nmapped-2 *\n")
        since, line = self.broker.reload()
        h.log("  log: %s" % line)
        self.assertIsNotNone(line, "no 'certacl: reloaded' line after SIGHUP")
        gone = m1.wait_disconnected(timeout=h.WAIT)
        h.log("  mapped-1 disconnected after SIGHUP: %s (error %r)" % (gone, m1.error))
        self.assertTrue(gone, "mapped-1 still connected %.0fs after SIGHUP, though no longer mapped"
                        % h.WAIT)
        refused = self.broker.find_log(r"certacl: refused CONNECT from client '%s'.*not in the identity map"
                                       % m1.client_id, since)
        h.log("  log: %s" % refused)
        self.assertTrue(refused, "no 'not in the identity map' refusal logged for mapped-1 after SIGHUP")
        h.wait_until(lambda: False, h.QUIET)
        self.assert_still_connected(m2, "t/mapped-2/x", "after the reload")
        self.assert_refused("mapped-1", why=r"not in the identity map")


if __name__ == "__main__":
    h.main()
