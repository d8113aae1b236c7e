#!/usr/bin/env python3
"""Authentication at CONNECT (SPEC section 2).

- no certificate on a require_certificate listener: the TLS handshake fails;
- a certificate from another CA: the TLS handshake fails;
- the username/password a certificate client sends are ignored: the SparkplugViewer
  certificate with username "HMI" keeps viewer rights;
- identity map (exact, glob, quoted, "*" = identity itself, first match wins) with
  unmapped deny: mapped clients get the mapped user's rights, unmapped ones get CONNACK
  0x87 and a "certacl: refused CONNECT" log line;
- a listener without require_certificate: no_cert deny refuses clients without a
  certificate (CONNACK 0x87); no_cert defer lets mosquitto's password_file decide.
"""

import os
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

CNS = ["MyEACM", "SparkplugViewer", "HMI", "Stranger", "SparkViewer2", "Line Viewer",
       "Operator7"]


def setUpModule():
    global ENV
    ENV = h.CertEnv(CNS, other_clients=["HMI"])  # the other CA also issues an "HMI"


def tearDownModule():
    ENV.cleanup()


class Base(unittest.TestCase):
    broker = None

    @classmethod
    def tearDownClass(cls):
        cls.clients.close()
        if cls.broker:
            cls.broker.stop()

    def connect(self, cert, port=None, **kw):
        cl, r = h.connect(ENV, port or self.broker.port, cert, **kw)
        self.clients.add(cl)
        return cl, r

    def assert_refused_connect(self, since, what):
        line = self.broker.wait_log(r"certacl: refused CONNECT", since, timeout=2)
        self.assertIsNotNone(line, "no 'certacl: refused CONNECT' log line for %s" % what)
        return line


class Certificates(Base):
    """Seed ACL; listener 0 requires a certificate, listener 1 does not (no_cert deny)."""

    @classmethod
    def setUpClass(cls):
        cls.clients = h.Clients()
        cls.broker = h.track(h.Broker(
            ENV, acl_files=[h.SEED_ACL], plugin_opts=[("no_cert", "deny")],
            listeners=[{"require_certificate": True}, {"require_certificate": False}],
            name="certs"))
        cls.broker.start()

    def test_valid_certificate_connects(self):
        # Control for the refusals below: the same listener accepts a good certificate.
        cl, r = self.connect("HMI")
        self.assertEqual(r.rc, 0, repr(r))
        self.assertTrue(h.publish_allowed(cl.publish("STATE/host1", "x")))

    def test_no_certificate_tls_fails(self):
        cl, r = self.connect(None)
        self.assertIsNone(r.rc, "a client without certificate got a CONNACK: %r" % r)
        self.assertFalse(cl.connected())
        cl, r = self.connect(None, username="HMI", password="secret")
        self.assertIsNone(r.rc, "a client without certificate got a CONNACK: %r" % r)

    def test_other_ca_tls_fails(self):
        since = self.broker.log_offset()
        cl, r = self.connect("HMI", other_ca=True)
        self.assertIsNone(r.rc, "a certificate from another CA got a CONNACK: %r" % r)
        self.assertFalse(cl.connected())
        self.assertIsNotNone(self.broker.wait_log(r"certificate verify failed", since, timeout=2),
                             "the broker should log the failed verification")

    def test_username_and_password_ignored(self):
        cl, r = self.connect("SparkplugViewer", username="HMI", password="whatever")
        self.assertEqual(r.rc, 0, repr(r))
        self.assertEqual(h.wait_until(lambda: h.connected_as(self.broker, cl.client_id)),
                         "SparkplugViewer", "the certificate, not the sent username, names the user")
        rc = cl.publish("STATE/x", "forged")
        self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "viewer sending username HMI published STATE/x: %s"
                         % h.rc_name(rc))
        rc = cl.publish("spBv1.0/G1/NCMD/E1", "forged")
        self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "viewer sending username HMI published NCMD: %s"
                         % h.rc_name(rc))
        codes = cl.subscribe("spBv1.0/#")
        self.assertTrue(codes and h.suback_granted(codes[0]), "viewer rights kept: %s" % codes)
        # A username-only impersonation through the other listener gets nowhere either.
        cl2, r2 = self.connect(None, port=self.broker.ports[1], username="HMI", password="x")
        self.assertNotEqual(r2.rc, 0, "no certificate + username HMI connected: %r" % r2)

    def test_no_cert_deny_on_optional_listener(self):
        since = self.broker.log_offset()
        cl, r = self.connect(None, port=self.broker.ports[1])
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "no certificate, no password: %r" % r)
        self.assert_refused_connect(since, "a client without certificate")
        since = self.broker.log_offset()
        cl, r = self.connect(None, port=self.broker.ports[1], username="MyEACM", password="pw")
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "no certificate, username+password: %r" % r)
        self.assert_refused_connect(since, "a client without certificate, with a username")


MAP = r'''# identity map for test_auth (IDENTITY USERNAME [GROUP...])
MyEACM          HMI
# a quoted identity with a blank
"Line Viewer"   SparkplugViewer
HMI             HMI
# never used for HMI: first match wins
H*              SparkplugViewer
Spark*          SparkplugViewer
# "*": the identity itself
Oper?tor*       *
'''


class IdentityMap(Base):
    """identity_map + unmapped deny."""

    @classmethod
    def setUpClass(cls):
        cls.clients = h.Clients()
        mp = ENV.write("identity.map", MAP)
        cls.broker = h.track(h.Broker(
            ENV, acl_files=[h.SEED_ACL],
            plugin_opts=[("identity_map", mp), ("unmapped", "deny")], name="idmap"))
        cls.broker.start()

    def expect_user(self, cert, user):
        cl, r = self.connect(cert)
        self.assertEqual(r.rc, 0, "%s: %r" % (cert, r))
        self.assertEqual(h.wait_until(lambda: h.connected_as(self.broker, cl.client_id)), user,
                         "%s should be mapped to %s" % (cert, user))
        return cl

    def test_mapped_gets_mapped_rights(self):
        cl = self.expect_user("MyEACM", "HMI")
        # MyEACM alone may not publish STATE; mapped to HMI it may.
        rc = cl.publish("STATE/host1", "online")
        self.assertTrue(h.publish_allowed(rc), "MyEACM mapped to HMI publish STATE/host1: %s" % h.rc_name(rc))

    def test_exact_first_match_wins(self):
        cl = self.expect_user("HMI", "HMI")
        rc = cl.publish("STATE/host1", "online")
        self.assertTrue(h.publish_allowed(rc), "HMI publish STATE/host1: %s" % h.rc_name(rc))

    def test_glob_and_quoted(self):
        for cert in ("SparkViewer2", "Line Viewer", "SparkplugViewer"):
            cl = self.expect_user(cert, "SparkplugViewer")
            rc = cl.publish("spBv1.0/G1/NDATA/E1", "x")
            self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "%s as viewer publish: %s" % (cert, h.rc_name(rc)))
            codes = cl.subscribe("spBv1.0/#")
            self.assertTrue(codes and h.suback_granted(codes[0]), "%s as viewer subscribe: %s" % (cert, codes))

    def test_star_is_identity(self):
        cl = self.expect_user("Operator7", "Operator7")
        rc = cl.publish("STATE/host1", "x")
        self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "Operator7 has no rules: %s" % h.rc_name(rc))

    def test_unmapped_refused(self):
        since = self.broker.log_offset()
        cl, r = self.connect("Stranger", client_id="probe-unmapped")
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "unmapped Stranger: %r" % r)
        line = self.assert_refused_connect(since, "unmapped Stranger")
        self.assertIn("Stranger", line, "the refusal should name the identity")
        # Sending a mapped user's name does not help.
        cl, r = self.connect("Stranger", username="HMI", password="x")
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "unmapped Stranger sending username HMI: %r" % r)


class NoCertDefer(Base):
    """no_cert defer: mosquitto's password_file decides for clients without a certificate;
    certificate clients are still decided by the certificate alone: their password is
    ignored, and a refused certificate is not handed on to password_file."""

    @classmethod
    def setUpClass(cls):
        cls.clients = h.Clients()
        pw = ENV.path("passwords")
        subprocess.run(["mosquitto_passwd", "-b", "-c", pw, "alice", "s3cret"], check=True,
                       timeout=30, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        mp = ENV.write("defer.map", "HMI HMI\nMyEACM MyEACM\n")
        cls.broker = h.track(h.Broker(
            ENV, acl_files=[h.SEED_ACL],
            plugin_opts=[("no_cert", "defer"), ("identity_map", mp), ("unmapped", "deny")],
            listeners=[{"require_certificate": True}, {"require_certificate": False}],
            global_lines=["password_file %s" % pw], name="defer"))
        cls.broker.start()

    def test_password_client(self):
        p = self.broker.ports[1]
        cl, r = self.connect(None, port=p, username="alice", password="s3cret")
        self.assertEqual(r.rc, 0, "alice with the right password: %r" % r)
        rc = cl.publish("STATE/host1", "x")
        self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "alice has no rules: %s" % h.rc_name(rc))
        cl, r = self.connect(None, port=p, username="alice", password="wrong")
        self.assertIsNotNone(r.rc, repr(r))
        self.assertNotEqual(r.rc, 0, "alice with a wrong password: %r" % r)
        cl, r = self.connect(None, port=p)
        self.assertIsNotNone(r.rc, repr(r))
        self.assertNotEqual(r.rc, 0, "anonymous with allow_anonymous false: %r" % r)

    def test_certificate_client_ignores_password(self):
        cl, r = self.connect("HMI", username="alice", password="wrong")
        self.assertEqual(r.rc, 0, "HMI certificate with a wrong password: %r" % r)
        self.assertEqual(h.wait_until(lambda: h.connected_as(self.broker, cl.client_id)), "HMI")
        self.assertTrue(h.publish_allowed(cl.publish("STATE/host1", "x")))

    def test_refused_certificate_not_deferred(self):
        # Stranger is unmapped (unmapped deny); alice/s3cret would pass password_file.
        since = self.broker.log_offset()
        cl, r = self.connect("Stranger", username="alice", password="s3cret")
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED,
                         "a refused certificate got in through password_file: %r" % r)
        self.assert_refused_connect(since, "unmapped Stranger")
        # another user's live client id, with a valid password: still refused
        hmi, r = self.connect("HMI", client_id="owned-id")
        self.assertEqual(r.rc, 0, repr(r))
        cl, r = self.connect("MyEACM", client_id="owned-id", username="alice", password="s3cret")
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "takeover of another user's client id: %r" % r)
        self.assertTrue(hmi.connected(), "HMI lost its connection to a refused takeover")


if __name__ == "__main__":
    h.main()
