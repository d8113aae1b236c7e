#!/usr/bin/env python3
"""scripts/gencerts, and the harness itself, without the plugin.

- the files, their modes and their X.509 contents (checked with the openssl CLI);
- an encrypted CA key; a second run reuses the CA and adds clients;
- CNs that cannot be file names are refused;
- a stock mosquitto (use_identity_as_username + acl_file) accepts the certificates over
  TLS with host name checking, and refuses a certificate of another CA: this proves the
  harness (ports, PID, log capture, paho calls) independently of certacl.
"""

import os
import re
import stat
import subprocess
import sys
import tempfile
import shutil
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


def openssl(*args, input=None):
    r = subprocess.run(["openssl"] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=30, input=input)
    return r.returncode, r.stdout + r.stderr


def run_gencerts(*args, env=None):
    e = dict(os.environ)
    e.pop("GENCERTS_CA_PASS", None)
    if env:
        e.update(env)
    r = subprocess.run([h.GENCERTS] + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=120, env=e)
    return r.returncode, r.stdout, r.stderr


class GenCerts(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="certacl-gencerts-")
        cls.out = os.path.join(cls.tmp, "certs")
        rc, so, se = run_gencerts("--out", cls.out, "--ca-pass", "pa55", "--ou", "Edge", "--o", "Plant",
                                  "MyEACM", "Line Viewer", "a+b=c,d")
        assert rc == 0, se
        cls.first_stdout = so

    @classmethod
    def tearDownClass(cls):
        if h.keep_tmp():
            h.log("kept " + cls.tmp)
        else:
            shutil.rmtree(cls.tmp, ignore_errors=True)

    def f(self, name):
        return os.path.join(self.out, name)

    def text(self, name):
        rc, out = openssl("x509", "-in", self.f(name), "-noout", "-text")
        self.assertEqual(rc, 0, out)
        return out

    def test_files_and_modes(self):
        for n in ("ca.key", "ca.pem", "server.key", "server.pem", "MyEACM.key", "MyEACM.pem",
                  "Line Viewer.key", "Line Viewer.pem"):
            self.assertTrue(os.path.isfile(self.f(n)), n)
            self.assertIn("created   " + self.f(n), self.first_stdout, "not reported: " + n)
        for n in ("ca.key", "MyEACM.key", "Line Viewer.key"):
            self.assertEqual(stat.S_IMODE(os.stat(self.f(n)).st_mode), 0o600, n)
        self.assertEqual(stat.S_IMODE(os.stat(self.f("server.key")).st_mode) & 0o007, 0,
                         "server.key is world-readable")
        for n in ("ca.pem", "server.pem", "MyEACM.pem"):
            self.assertEqual(stat.S_IMODE(os.stat(self.f(n)).st_mode), 0o644, n)

    def test_ca(self):
        t = self.text("ca.pem")
        self.assertRegex(t, r"Basic Constraints: critical\s+CA:TRUE")
        self.assertRegex(t, r"Issuer: CN = certacl test CA")
        self.assertRegex(t, r"Public-Key: \(2048 bit\)")
        with open(self.f("ca.key")) as fh:
            self.assertIn("ENCRYPTED", fh.read())
        rc, out = openssl("pkey", "-in", self.f("ca.key"), "-passin", "pass:wrong", "-noout")
        self.assertNotEqual(rc, 0, "ca.key opened with a wrong passphrase")
        rc, out = openssl("pkey", "-in", self.f("ca.key"), "-passin", "pass:pa55", "-noout")
        self.assertEqual(rc, 0, out)

    def test_server(self):
        t = self.text("server.pem")
        self.assertRegex(t, r"Subject: CN = localhost")
        self.assertRegex(t, r"DNS:localhost, IP Address:127\.0\.0\.1")
        self.assertRegex(t, r"Extended Key Usage:\s+TLS Web Server Authentication\s")
        self.assertRegex(t, r"CA:FALSE")
        rc, out = openssl("verify", "-CAfile", self.f("ca.pem"), "-purpose", "sslserver", self.f("server.pem"))
        self.assertEqual(rc, 0, out)

    def test_clients(self):
        for cn in ("MyEACM", "Line Viewer"):
            t = self.text(cn + ".pem")
            self.assertRegex(t, r"Subject: O = Plant, OU = Edge, CN = %s\n" % re.escape(cn))
            self.assertRegex(t, r"Extended Key Usage:\s+TLS Web Client Authentication\s")
            rc, out = openssl("verify", "-CAfile", self.f("ca.pem"), "-purpose", "sslclient", self.f(cn + ".pem"))
            self.assertEqual(rc, 0, out)
            rc, out = openssl("verify", "-CAfile", self.f("ca.pem"), "-purpose", "sslserver", self.f(cn + ".pem"))
            self.assertNotEqual(rc, 0, "a client certificate is valid for a server")
        # serials differ
        s1 = openssl("x509", "-in", self.f("MyEACM.pem"), "-noout", "-serial")[1]
        s2 = openssl("x509", "-in", self.f("Line Viewer.pem"), "-noout", "-serial")[1]
        self.assertNotEqual(s1, s2)

    def test_second_run_reuses_ca(self):
        with open(self.f("ca.pem")) as fh:
            ca_before = fh.read()
        rc, so, se = run_gencerts("--out", self.out, "HMI")
        self.assertNotEqual(rc, 0, "an encrypted CA was used without its passphrase")
        self.assertIn("--ca-pass", se)
        rc, so, se = run_gencerts("--out", self.out, "HMI", env={"GENCERTS_CA_PASS": "pa55"})
        self.assertEqual(rc, 0, se)
        self.assertIn("reused", so)
        with open(self.f("ca.pem")) as fh:
            self.assertEqual(fh.read(), ca_before, "the CA was replaced")
        rc, out = openssl("verify", "-CAfile", self.f("ca.pem"), self.f("HMI.pem"), self.f("MyEACM.pem"))
        self.assertEqual(rc, 0, out)

    def test_other_ca_is_unrelated(self):
        other = os.path.join(self.tmp, "other")
        rc, so, se = run_gencerts("--out", other, "--ca-name", "Other CA", "--no-server")
        self.assertEqual(rc, 0, se)
        self.assertFalse(os.path.exists(os.path.join(other, "server.pem")))
        self.assertRegex(openssl("x509", "-in", os.path.join(other, "ca.pem"), "-noout", "-subject")[1],
                         r"CN ?= ?Other CA")
        rc, out = openssl("verify", "-CAfile", os.path.join(other, "ca.pem"), self.f("MyEACM.pem"))
        self.assertNotEqual(rc, 0, "a certificate verified against another CA")
        rc, out = openssl("verify", "-CAfile", self.f("ca.pem"), os.path.join(other, "ca.pem"))
        self.assertNotEqual(rc, 0, "the other CA verified against the first")

    def test_refused_cns(self):
        bad = os.path.join(self.tmp, "bad")
        for cn in ("a/b", ".hidden", "..", "", "ca", "server", "new\nline"):
            rc, so, se = run_gencerts("--out", bad, "--", cn)
            self.assertNotEqual(rc, 0, "CN %r accepted" % cn)
            self.assertIn("error", se)
        self.assertFalse(os.path.exists(bad), "a refused run created files")
        rc, so, se = run_gencerts("--bogus")
        self.assertNotEqual(rc, 0)
        rc, so, se = run_gencerts("--help")
        self.assertEqual(rc, 0)
        self.assertIn("Usage", so)

    def test_subject_escaping(self):
        rc, out = openssl("x509", "-in", self.f("a+b=c,d.pem"), "-noout", "-subject", "-nameopt", "RFC2253")
        self.assertIn(r"CN=a\+b=c\,d", out)

    def test_stock_broker_round_trip(self):
        """The harness and the certificates against mosquitto without certacl."""
        env = h.CertEnv(["MyEACM", "HMI"], other_clients=["HMI"])
        try:
            acl = env.write("acl", "user MyEACM\ntopic read STATE/+\nuser HMI\ntopic readwrite STATE/+\n")
            b = h.track(h.Broker(env, plugin=None, name="stock",
                                 listeners=[{"extra": ["use_identity_as_username true"]}],
                                 global_lines=["acl_file " + acl]))
            b.start()
            cs = h.Clients()
            try:
                m, r = h.connect(env, b.port, "MyEACM")
                cs.add(m)
                self.assertEqual(r.rc, 0, repr(r))
                self.assertEqual(h.wait_until(lambda: h.connected_as(b, m.client_id)), "MyEACM")
                hmi, r = h.connect(env, b.port, "HMI")
                cs.add(hmi)
                self.assertEqual(r.rc, 0, repr(r))
                self.assertEqual(m.subscribe("STATE/+"), [1])
                self.assertEqual(hmi.publish("STATE/h1", "on"), h.RC_SUCCESS)
                self.assertEqual(hmi.publish("other/x", "no"), h.RC_NOT_AUTHORIZED)
                self.assertEqual(m.publish("STATE/h1", "no"), h.RC_NOT_AUTHORIZED)
                self.assertEqual(m.wait_message(lambda x: x[0] == "STATE/h1"), ("STATE/h1", "on", 1, False))
                o, r = h.connect(env, b.port, "HMI", other_ca=True)
                cs.add(o)
                self.assertIsNone(r.rc, "a certificate of another CA connected: %r" % r)
                n, r = h.connect(env, b.port, None)
                cs.add(n)
                self.assertIsNone(r.rc, "no certificate connected: %r" % r)
                since = b.sighup()
                self.assertIsNotNone(b.wait_log(r"Reloading config", since))
                self.assertTrue(m.connected() and hmi.connected())
            finally:
                cs.close()
                self.assertEqual(b.stop(), 0)
            self.assertFalse(b.alive())

            # Host name checking is on: a server certificate for other names is refused.
            h.gencerts(env.certs, [], extra=["--server-cn", "elsewhere.example", "--server-ip", "10.9.9.9"])
            b2 = h.track(h.Broker(env, plugin=None, name="stock-wrong-name",
                                  listeners=[{"extra": ["use_identity_as_username true"]}],
                                  global_lines=["acl_file " + acl]))
            b2.start()
            try:
                m, r = h.connect(env, b2.port, "MyEACM")
                m.close()
                self.assertIsNone(r.rc, "connected to a server whose certificate names another host: %r" % r)
                self.assertIn("mismatch", r.error or "")
            finally:
                b2.stop()
        finally:
            env.cleanup()


if __name__ == "__main__":
    h.main()
