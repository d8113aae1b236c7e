#!/usr/bin/env python3
"""Password fallback (issue 3 item 6; SPEC section 2, "Clients without a certificate").

Broker: `per_listener_settings false`, a global `password_file` (mosquitto_passwd),
certacl with the seed ACL (acl-examples/seed/acl) and `plugin_opt_no_cert defer`;
listener 0 requires a client certificate, listener 1 (TLS with cafile/certfile/keyfile)
has `require_certificate false`.

- password client "HMI" on listener 1 connects and gets HMI's rights from certacl's ACL
  (publish STATE/+ and spBv1.0/#, nothing else; SUBSCRIBE decided by certacl too);
  "SparkplugViewer" by password is read-only; delivery to a password client works;
- a wrong password, an unknown user, and no username at all are refused;
- certificate clients on the mutual-TLS listener still work, by certificate (their
  password, if any, is ignored; a CN absent from the password file connects);
- a password client cannot take over the client id of another user's live certificate
  connection (clientid owned), and vice versa;
- SIGHUP (mosquitto re-runs BASIC_AUTH) keeps password clients connected.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

PASSWORDS = {"HMI": "hmi-secret", "SparkplugViewer": "viewer-secret", "MyEACM": "eacm-secret"}


def setUpModule():
    global ENV
    ENV = h.CertEnv(["MyEACM", "SparkplugViewer", "HMI", "Stranger"])


def tearDownModule():
    ENV.cleanup()


class PasswordFallback(ih.Case):
    @classmethod
    def setUpClass(cls):
        pw = ih.password_file(ENV.path("passwords"), PASSWORDS)
        cls.start_broker(ENV, "password", acl_files=[h.SEED_ACL],
                         plugin_opts=[("no_cert", "defer")],
                         listeners=[{"require_certificate": True}, {"require_certificate": False}],
                         global_lines=["password_file %s" % pw])
        cls.pw_port = cls.broker.ports[1]
        with open(cls.broker.conf) as f:
            h.log("---- %s\n%s----" % (cls.broker.conf, f.read()))

    def pw_connect_ok(self, user, **kw):
        return self.connect_ok(None, user=user, port=self.pw_port, username=user,
                               password=PASSWORDS[user], **kw)

    def assert_pw_refused(self, username, password, what):
        cl, r = self.connect(None, port=self.pw_port, username=username, password=password)
        self.assertIn(r.rc, (h.RC_NOT_AUTHORIZED, h.RC_BAD_USERNAME_OR_PASSWORD),
                      "%s should be refused with CONNACK 0x86/0x87: got %r" % (what, r))
        self.assertFalse(cl.connected())

    def test_hmi_by_password_gets_hmi_rights(self):
        cl = self.pw_connect_ok("HMI")
        self.assert_pub(cl, "STATE/host1", allowed=True)
        self.assert_pub(cl, "spBv1.0/G1/NCMD/E1", allowed=True)
        self.assert_pub(cl, "other/topic", allowed=False)
        self.assert_pub(cl, "STATE/host1/extra", allowed=False)
        codes = cl.subscribe(["spBv1.0/#", "other/#"])
        h.log("  HMI (password) subscribe spBv1.0/#, other/# -> %s" % codes)
        self.assertIsNotNone(codes, "no SUBACK")
        self.assertTrue(h.suback_granted(codes[0]), "HMI subscribe spBv1.0/#: %s" % h.rc_name(codes[0]))
        self.assertEqual(codes[1], h.RC_NOT_AUTHORIZED,
                         "HMI subscribe other/# (nothing readable): %s" % h.rc_name(codes[1]))

    def test_viewer_by_password_read_only(self):
        viewer = self.pw_connect_ok("SparkplugViewer")
        self.assert_pub(viewer, "STATE/host1", allowed=False)
        self.assert_pub(viewer, "spBv1.0/G1/NDATA/E1", allowed=False)
        codes = viewer.subscribe("STATE/+")
        self.assertTrue(codes and h.suback_granted(codes[0]), "viewer subscribe STATE/+: %s" % codes)
        # delivery from a certificate client to the password client
        hmi = self.connect_ok("HMI", user="HMI")
        payload = h.unique_id("state")
        self.assert_pub(hmi, "STATE/host1", allowed=True, payload=payload)
        got = viewer.wait_message(lambda m: m[1] == payload)
        h.log("  viewer (password) received: %s" % (got,))
        self.assertIsNotNone(got, "password viewer did not receive STATE/host1 from HMI")

    def test_wrong_password_refused(self):
        self.assert_pw_refused("HMI", "wrong", "HMI with a wrong password")
        self.assert_pw_refused("HMI", None, "HMI without a password")
        self.assert_pw_refused("Stranger", "whatever", "a user missing from the password file")
        self.assert_pw_refused(None, None, "no username (allow_anonymous false)")

    def test_certificate_clients_still_work(self):
        eacm = self.connect_ok("MyEACM", user="MyEACM")
        self.assert_pub(eacm, "spBv1.0/G1/NDATA/E1", allowed=True)
        self.assert_pub(eacm, "STATE/host1", allowed=False)
        # the certificate decides: a wrong password and another user's name are ignored
        v = self.connect_ok("SparkplugViewer", user="SparkplugViewer", username="HMI", password="wrong")
        self.assert_pub(v, "STATE/host1", allowed=False)
        # a certificate user without a password entry connects
        s = self.connect_ok("Stranger", user="Stranger")
        self.assert_pub(s, "STATE/host1", allowed=False)

    def test_password_client_cannot_take_over_certificate_client(self):
        cid = h.unique_id("hmi-console")
        hmi = self.connect_ok("HMI", user="HMI", client_id=cid)
        since = self.broker.log_offset()
        cl, r = self.connect(None, port=self.pw_port, username="SparkplugViewer",
                             password=PASSWORDS["SparkplugViewer"], client_id=cid)
        line = self.broker.wait_log(r"certacl: refused CONNECT from client '%s'" % cid, since, timeout=2)
        h.log("  log: %s" % line)
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "password client took the id of HMI's "
                         "certificate connection: %r" % r)
        self.assertIsNotNone(line, "no 'certacl: refused CONNECT' line for the takeover attempt")
        self.assert_still_connected(hmi, "STATE/host1", "after the takeover attempt")

    def test_certificate_client_cannot_take_over_password_client(self):
        cid = h.unique_id("viewer-console")
        viewer = self.pw_connect_ok("SparkplugViewer", client_id=cid)
        self.assert_refused("MyEACM", why=r"in use", client_id=cid)
        h.wait_until(lambda: False, h.QUIET)
        self.assertTrue(viewer.connected(), "the password client was taken over by MyEACM's certificate")

    def test_sighup_keeps_password_clients(self):
        hmi = self.pw_connect_ok("HMI")
        eacm = self.connect_ok("MyEACM", user="MyEACM")
        since, line = self.broker.reload()
        h.log("  log: %s" % line)
        self.assertIsNotNone(line, "no 'certacl: reloaded' after SIGHUP")
        h.wait_until(lambda: False, 3 * h.QUIET)
        self.assert_still_connected(hmi, "STATE/host1", "password client after SIGHUP")
        self.assert_still_connected(eacm, "spBv1.0/G1/NDATA/E1", "certificate client after SIGHUP")


if __name__ == "__main__":
    h.main()
