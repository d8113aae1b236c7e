"""Helpers for the identity integration tests (issue 3), on top of harness.py.

- Broker: harness.Broker, plus a per-listener "cafile" key (e.g. both CAs concatenated,
  for brokers that trust several CAs) and a `reload()` that waits for certacl's log line.
- client(): a harness.Client, optionally with a will message set before CONNECT.
- abort(): drop a client's connection without DISCONNECT (the broker then sends its will).
- openssl helpers: serial, fingerprint and issuer lines of a certificate, as the openssl
  CLI prints them (what an operator would paste into a deny list or a pin).
- password_file(): a mosquitto password file made with mosquitto_passwd.
- Case: a unittest.TestCase base with connect/refusal/publish assertions that print what
  they observed.
"""

import datetime
import os
import re
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402


# --------------------------------------------------------------------------- openssl

def openssl_x509(pem, *args):
    """Run `openssl x509 -in PEM -noout ARGS` and return its stripped output."""
    r = subprocess.run(["openssl", "x509", "-in", pem, "-noout"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("openssl x509 %s failed: %s" % (" ".join(args), r.stderr))
    return r.stdout.strip()


def serial_line(pem):
    """`serial=7A3F...`, as `openssl x509 -noout -serial` prints it."""
    return openssl_x509(pem, "-serial")


def fingerprint_line(pem):
    """`sha256 Fingerprint=AB:CD:...`, as `openssl x509 -noout -fingerprint -sha256` prints it."""
    return openssl_x509(pem, "-fingerprint", "-sha256")


def fingerprint(pem):
    """The SHA-256 fingerprint of a certificate, `AB:CD:...` (openssl's spelling)."""
    return fingerprint_line(pem).split("=", 1)[1]


def subject_dn(pem):
    """The subject in RFC 2253 form, e.g. `CN=certacl test CA`."""
    return re.sub(r"^subject=\s*", "", openssl_x509(pem, "-subject", "-nameopt", "RFC2253"))


def concat(out, paths):
    """Write the concatenation of the files `paths` into `out`; return `out`."""
    with open(out, "w", encoding="utf-8") as f:
        for p in paths:
            with open(p, encoding="utf-8") as src:
                text = src.read()
            f.write(text if text.endswith("\n") else text + "\n")
    return out


# --------------------------------------------------------------------------- password file

def password_file(path, users):
    """Make a mosquitto password file at `path` with {user: password}; return `path`."""
    first = True
    for user, pw in users.items():
        cmd = ["mosquitto_passwd", "-b"] + (["-c"] if first else []) + [path, user, pw]
        subprocess.run(cmd, check=True, timeout=30, stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE)
        first = False
    return path


# --------------------------------------------------------------------------- broker

class Broker(h.Broker):
    """harness.Broker with a per-listener `cafile` key (path) that replaces the main CA
    file of that listener (mosquitto refuses a second `cafile` line, so it is replaced,
    not added)."""

    def config_text(self):
        text = super().config_text()
        out = []
        idx = -1
        for line in text.splitlines():
            if line.startswith("listener "):
                idx += 1
            elif (line.startswith("cafile ") and 0 <= idx < len(self.listeners)
                  and self.listeners[idx].get("cafile")):
                line = "cafile %s" % self.listeners[idx]["cafile"]
            out.append(line)
        return "\n".join(out) + "\n"

    def reload(self, pattern=r"certacl: reloaded"):
        """SIGHUP; wait for `pattern` after it; return (offset before SIGHUP, line or None)."""
        since = self.sighup()
        return since, self.wait_log(pattern, since)


def write_atomic(path, text):
    tmp = path + ".new"
    with open(tmp, "w", encoding="utf-8") as f:
        f.write(text)
    os.replace(tmp, path)
    return path


# --------------------------------------------------------------------------- openssl ca

_CA_CONF = """[ca]
default_ca = test_ca
[test_ca]
database = %(dir)s/index.txt
new_certs_dir = %(dir)s
serial = %(dir)s/serial
default_md = sha256
policy = any
unique_subject = no
[any]
commonName = supplied
"""


def asn1_time(t):
    """A time (seconds since the epoch) as openssl's YYYYMMDDHHMMSSZ."""
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y%m%d%H%M%SZ")


class OpenSSLCA:
    """`openssl ca` on a CertEnv's main CA (certs/ca.pem, ca.key; or those of ca_dir),
    with its own database: certificates with exact validity times, revocations, CRLs."""

    def __init__(self, env, name="openssl-ca", ca_dir=None):
        self.env = env
        self.ca_dir = ca_dir or env.certs
        self.dir = env.path(name)
        os.makedirs(self.dir, exist_ok=True)
        self.conf = os.path.join(self.dir, "ca.cnf")
        with open(self.conf, "w") as f:
            f.write(_CA_CONF % {"dir": self.dir})
        open(os.path.join(self.dir, "index.txt"), "w").close()
        with open(os.path.join(self.dir, "serial"), "w") as f:
            f.write("7000\n")

    def _ca(self, *args):
        subprocess.run(["openssl", "ca", "-batch", "-config", self.conf,
                        "-cert", os.path.join(self.ca_dir, "ca.pem"),
                        "-keyfile", os.path.join(self.ca_dir, "ca.key")] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30,
                       check=True)

    def issue(self, cn, not_after):
        """certs/CN.pem/.key (EC P-256), valid from a minute ago until `not_after`."""
        pem, key = self.env.cert(cn)
        csr = os.path.join(self.dir, cn + ".csr")
        subprocess.run(["openssl", "req", "-new", "-newkey", "ec", "-pkeyopt",
                        "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key, "-subj", "/CN=" + cn,
                        "-out", csr], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=30,
                       check=True)
        self._ca("-notext", "-in", csr, "-out", pem, "-startdate", asn1_time(time.time() - 60),
                 "-enddate", asn1_time(not_after))

    def revoke(self, cn):
        self._ca("-revoke", self.env.cert(cn)[0])

    def crl(self, out, next_update=None):
        """Write a CRL of every revocation so far to `out` (PEM), valid for a day, or
        until `next_update` (seconds since the epoch; in the past: a stale CRL)."""
        if next_update is None:
            self._ca("-gencrl", "-crldays", "1", "-out", out)
        else:
            self._ca("-gencrl", "-crl_lastupdate", asn1_time(next_update - 86400),
                     "-crl_nextupdate", asn1_time(next_update), "-out", out)
        return out


# --------------------------------------------------------------------------- clients

def client(env, port, cert, will=None, **kw):
    """A harness.Client (not yet connected). will = (topic, payload[, qos[, retain]])."""
    cl = h.Client(env, port, cert, **kw)
    if will:
        topic, payload = will[0], will[1]
        qos = will[2] if len(will) > 2 else 1
        retain = will[3] if len(will) > 3 else False
        cl.c.will_set(topic, payload, qos=qos, retain=retain)
    return cl


def abort(cl):
    """Drop the connection without a DISCONNECT packet, as a network failure would
    (the broker then publishes the client's will). Bounded."""
    cl._stop.set()
    if cl._thread:
        cl._thread.join(timeout=2)
    sock = cl.c.socket()
    try:
        if sock:
            sock.close()
    except OSError:
        pass
    with cl.cv:
        cl.disconnected = True
        cl.cv.notify_all()


# --------------------------------------------------------------------------- test case base

class Case(unittest.TestCase):
    """Base for the identity tests. Subclasses set cls.env, cls.broker and cls.clients
    (helpers start_broker/stop_all do it)."""

    env = None
    broker = None
    clients = None

    @classmethod
    def start_broker(cls, env, name, **kw):
        cls.env = env
        cls.clients = h.Clients()
        cls.broker = h.track(Broker(env, name=name, **kw))
        cls.broker.start()
        h.log("[%s] broker pid %d, ports %s, conf %s" % (name, cls.broker.pid, cls.broker.ports,
                                                       cls.broker.conf))
        return cls.broker

    @classmethod
    def tearDownClass(cls):
        if cls.clients:
            cls.clients.close()
        if cls.broker:
            cls.broker.stop()

    # ---- connections

    def connect(self, cert, port=None, will=None, **kw):
        """Connect; return (client, ConnResult); prints the result."""
        cl = client(self.env, port or self.broker.port, cert, will=will, **kw)
        self.clients.add(cl)
        r = cl.connect()
        h.log("  connect cert=%s id=%s%s -> %r" % (
            cert, cl.client_id, (" username=%s" % kw["username"]) if "username" in kw else "", r))
        return cl, r

    def connect_ok(self, cert, user=None, **kw):
        """Connect and assert success; with `user`, assert the broker logged that username."""
        since = self.broker.log_offset()
        cl, r = self.connect(cert, **kw)
        self.assertEqual(r.rc, 0, "%s (client id %s) should connect: got %r" % (cert, cl.client_id, r))
        if user is not None:
            got = h.wait_until(lambda: h.connected_as(self.broker, cl.client_id, since))
            h.log("  %s connected as username %r (expected %r)" % (cert, got, user))
            self.assertEqual(got, user, "%s should be user %r, broker logged %r" % (cert, user, got))
        return cl

    def assert_refused(self, cert, why=None, **kw):
        """Connect and assert CONNACK 0x87 plus a `certacl: refused CONNECT` line naming the
        client id (and matching the regex `why` when given); return the log line."""
        since = self.broker.log_offset()
        cl, r = self.connect(cert, **kw)
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "%s (client id %s) should get CONNACK 0x87: got %r"
                         % (cert, cl.client_id, r))
        pat = r"certacl: refused CONNECT from client '%s'" % re.escape(cl.client_id)
        line = self.broker.wait_log(pat, since, timeout=2)
        h.log("  log: %s" % line)
        self.assertIsNotNone(line, "no 'certacl: refused CONNECT' line for %s (client id %s); log:\n%s"
                             % (cert, cl.client_id, "\n".join(self.broker.log_lines(since)[-10:])))
        if why:
            self.assertRegex(line, why, "refusal reason for %s" % cert)
        self.assertFalse(cl.connected())
        return line

    # ---- publish

    def assert_pub(self, cl, topic, allowed, payload="x"):
        rc = cl.publish(topic, payload)
        h.log("  %s publish %s -> %s (expected %s)" % (cl.name, topic, h.rc_name(rc),
                                                       "allowed" if allowed else "denied"))
        if allowed:
            self.assertTrue(h.publish_allowed(rc), "%s publish %s should be allowed: %s"
                            % (cl.name, topic, h.rc_name(rc)))
        else:
            self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "%s publish %s should be denied: %s"
                             % (cl.name, topic, h.rc_name(rc)))
        return rc

    def assert_still_connected(self, cl, topic, what):
        """The client is connected and its broker still answers: a QoS 1 publish on a
        topic it may write gets a positive PUBACK."""
        self.assertTrue(cl.connected(), "%s: %s is no longer connected (error %r)"
                        % (what, cl.name, cl.error))
        rc = cl.publish(topic, "alive")
        h.log("  %s still connected; publish %s -> %s" % (cl.name, topic, h.rc_name(rc)))
        self.assertTrue(h.publish_allowed(rc), "%s: %s publish %s after it: %s"
                        % (what, cl.name, topic, h.rc_name(rc)))
