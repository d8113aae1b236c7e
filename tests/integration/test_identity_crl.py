#!/usr/bin/env python3
"""Certificate revocation lists (issue 14 item 3; README "Revocation: CRLs").

CRLs made with `openssl ca` on the test CA (idhelpers.OpenSSLCA), loaded with
plugin_opt_crl_file and checked against plugin_opt_ca_file:

- a revoked certificate is refused at CONNECT, with a line naming the CRL;
- a connected client whose certificate is revoked by a new CRL is disconnected at the
  next SIGHUP (mosquitto re-runs BASIC_AUTH), the others stay;
- a CRL past its nextUpdate: with crl_stale warn (default) it is still used and logged
  once per load; with crl_stale deny its issuer's certificates are refused;
- a CRL that the CA did not sign, or a file without a CRL, stops the broker at start
  and is refused at reload (the last good policy stays).
"""

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

ACL = """pattern readwrite clients/%u/#
"""


def setUpModule():
    global ENV, CA
    ENV = h.CertEnv(["Good", "Revoked", "Later"], other_clients=["Stranger"])
    CA = ih.OpenSSLCA(ENV)
    CA.revoke("Revoked")


def tearDownModule():
    ENV.cleanup()


def crl_opts(crl, stale=None):
    opts = [("ca_file", ENV.ca), ("crl_file", crl)]
    return opts + ([("crl_stale", stale)] if stale else [])


class Revocation(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.crl = CA.crl(ENV.path("ca.crl"))
        acl = ENV.path("crl.acl")
        ih.write_atomic(acl, ACL)
        cls.start_broker(ENV, "crl", acl_files=[acl], plugin_opts=crl_opts(cls.crl))

    def test_revoked_refused_at_connect(self):
        line = self.assert_refused("Revoked", why=r"revoked by the CRL of '.*certacl test CA' \(.*ca\.crl\)")
        h.log("  %s" % line)
        cl = self.connect_ok("Good", user="Good")
        self.assert_pub(cl, "clients/Good/x", allowed=True)

    def test_revoked_while_connected_cut_at_reload(self):
        good = self.connect_ok("Good", user="Good")
        later = self.connect_ok("Later", user="Later")
        CA.revoke("Later")
        tmp = ENV.path("ca.crl.new")
        CA.crl(tmp)
        os.replace(tmp, self.crl)
        since, line = self.broker.reload()
        self.assertIsNotNone(line, "no reload after SIGHUP:\n%s" % self.broker.tail(10))
        self.assertTrue(later.wait_disconnected(), "the revoked client is still connected after SIGHUP")
        refused = self.broker.wait_log(r"certacl: refused CONNECT from client '%s'.*revoked" % later.client_id,
                                       since)
        h.log("  %s" % refused)
        self.assertIsNotNone(refused)
        self.assert_still_connected(good, "clients/Good/y", "Good after the new CRL")
        self.assert_refused("Later", why="revoked")

    def test_broken_crl_on_reload_keeps_policy(self):
        good = self.connect_ok("Good", user="Good")
        saved = ENV.path("ca.crl.saved")
        shutil.copyfile(self.crl, saved)
        try:
            ih.write_atomic(self.crl, "not a CRL\n")
            since, line = self.broker.reload(r"certacl: reload failed")
            h.log("  %s" % line)
            self.assertIsNotNone(line)
            self.assertRegex(line, r"ca\.crl.*no certificate revocation list")
            self.assert_still_connected(good, "clients/Good/z", "Good after a broken CRL")
            self.assert_refused("Revoked", why="revoked")  # the last good CRLs still apply
        finally:
            os.replace(saved, self.crl)


class Stale(ih.Case):
    """A CRL whose nextUpdate has passed, in both modes (one broker each)."""

    @classmethod
    def setUpClass(cls):
        cls.env = ENV
        cls.clients = h.Clients()
        stale = CA.crl(ENV.path("stale.crl"), next_update=time.time() - 3600)
        acl = ENV.path("stale.acl")
        ih.write_atomic(acl, ACL)
        cls.brokers = {}
        for mode in ("warn", "deny"):
            b = h.track(ih.Broker(ENV, name="stale-" + mode, acl_files=[acl],
                                  plugin_opts=crl_opts(stale, mode)))
            cls.brokers[mode] = b.start()

    @classmethod
    def tearDownClass(cls):
        cls.clients.close()
        for b in cls.brokers.values():
            b.stop()

    def test_warn_uses_it_and_logs(self):
        self.broker = self.brokers["warn"]
        line = self.broker.wait_log(r"certacl: .*stale\.crl: the CRL of '.*certacl test CA' is past its "
                                    r"nextUpdate .*still used")
        h.log("  %s" % line)
        self.assertIsNotNone(line)
        self.connect_ok("Good", user="Good")
        self.assert_refused("Revoked", why="revoked")

    def test_deny_refuses_the_issuer(self):
        self.broker = self.brokers["deny"]
        self.assertIsNotNone(self.broker.wait_log(r"stale\.crl: .*past its nextUpdate .*refused"))
        self.assert_refused("Good", why=r"past its nextUpdate \(plugin_opt_crl_stale deny\)")


class StartErrors(ih.Case):
    def test_unsigned_or_empty_crl_stops_the_broker(self):
        # a CRL of another CA (ENV.other's), not in plugin_opt_ca_file
        forged = ih.OpenSSLCA(ENV, name="other-ca", ca_dir=ENV.other).crl(ENV.path("forged.crl"))
        empty = ENV.path("empty.crl")
        ih.write_atomic(empty, "")
        acl = ENV.path("start.acl")
        ih.write_atomic(acl, ACL)
        for crl, why in ((forged, r"forged\.crl: CRL 1 of this file .* is not signed by a CA certificate"),
                         (empty, r"empty\.crl: no certificate revocation list")):
            b = ih.Broker(ENV, name="start-" + os.path.basename(crl), acl_files=[acl],
                          plugin_opts=crl_opts(crl))
            rc, text = b.start_expecting_exit()
            h.log("  %s: exit %s" % (os.path.basename(crl), rc))
            self.assertIsNotNone(rc, "the broker started with %s" % crl)
            self.assertNotEqual(rc, 0)
            self.assertRegex(text, why)
        b = ih.Broker(ENV, name="start-no-ca", acl_files=[acl], plugin_opts=[("crl_file", forged)])
        rc, text = b.start_expecting_exit()
        self.assertRegex(text, r"plugin_opt_crl_file needs plugin_opt_ca_file")


if __name__ == "__main__":
    h.main()
