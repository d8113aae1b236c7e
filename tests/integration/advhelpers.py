"""Helpers for the adversarial integration tests and the valgrind scenario (issue 7,
items 2 and 3), on top of harness.py and idhelpers.py (which stay unchanged).

- der_*() / make_cert(): hand-made X.509 client certificates signed by the test CA, for
  subjects that `openssl req` refuses to make (a 64 KB CN, a NUL byte or invalid UTF-8
  in a UTF8String, several CN entries, control characters). The DER is built here; the
  signature comes from `openssl dgst -sha256 -sign ca.key` (PKCS#1 v1.5), so no Python
  crypto package is needed.
- Raw: a minimal MQTT v5 client over TLS written with the standard library, for what
  paho will not send or cannot send fast enough: client ids and usernames as raw bytes
  (NUL, invalid UTF-8), 65535-byte topics, floods of PUBLISH packets.
- Broker: idhelpers.Broker with a settable log_type (so the broker's own per-message
  debug lines do not drown what a flood test counts), an optional command prefix (e.g.
  valgrind) and start/stop timeouts that can be raised.
- ClientSession: a harness.Client that connects with clean_start False and a session
  expiry interval (for session takeover cases).
- sentinel helpers and log counting.

Every wait is bounded; sockets have timeouts.
"""

import base64
import os
import re
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

from paho.mqtt.properties import Properties  # noqa: E402
from paho.mqtt.packettypes import PacketTypes  # noqa: E402


# --------------------------------------------------------------------------- DER

def der_len(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def der(tag, content):
    return bytes([tag]) + der_len(len(content)) + content


def der_seq(*items):
    return der(0x30, b"".join(items))


def der_set(*items):
    return der(0x31, b"".join(items))


def der_int(n):
    b = n.to_bytes(max(1, (n.bit_length() + 8) // 8), "big", signed=True)
    return der(0x02, b)


def der_oid(dotted):
    parts = [int(x) for x in dotted.split(".")]
    out = bytes([40 * parts[0] + parts[1]])
    for p in parts[2:]:
        enc = [p & 0x7F]
        p >>= 7
        while p:
            enc.append(0x80 | (p & 0x7F))
            p >>= 7
        out += bytes(reversed(enc))
    return der(0x06, out)


def der_utctime(t):
    return der(0x17, time.strftime("%y%m%d%H%M%SZ", time.gmtime(t)).encode())


def der_bool(v):
    return der(0x01, b"\xff" if v else b"\x00")


def der_explicit(n, content):
    return der(0xA0 | n, content)


def der_parse(data, pos=0):
    """One TLV at pos: (tag, content start, content end, end)."""
    tag = data[pos]
    n = data[pos + 1]
    p = pos + 2
    if n & 0x80:
        k = n & 0x7F
        n = int.from_bytes(data[p:p + k], "big")
        p += k
    return tag, p, p + n, p + n


def der_children(data, start, end):
    out = []
    p = start
    while p < end:
        t, cs, ce, e = der_parse(data, p)
        out.append((t, cs, ce, p, e))
        p = e
    return out


def pem_to_der(path):
    text = open(path, encoding="ascii").read()
    m = re.search(r"-----BEGIN CERTIFICATE-----(.*?)-----END CERTIFICATE-----", text, re.S)
    return base64.b64decode("".join(m.group(1).split()))


def cert_subject_der(pem):
    """The raw DER of a certificate's subject Name (used as the issuer of what it signs)."""
    d = pem_to_der(pem)
    _, cs, ce, _ = der_parse(d, 0)            # Certificate
    _, ts, te, _ = der_parse(d, cs)           # TBSCertificate
    kids = der_children(d, ts, te)
    i = 1 if kids[0][0] == 0xA0 else 0        # [0] version
    # serial, signature, issuer, validity, subject
    s = kids[i + 4]
    return d[s[3]:s[4]]


OID_CN = "2.5.4.3"
OID_OU = "2.5.4.11"
OID_O = "2.5.4.10"
TAG_UTF8 = 0x0C
TAG_PRINTABLE = 0x13
TAG_BMP = 0x1E


def rdn(oid, value, tag=TAG_UTF8):
    """One single-valued RDN. value: bytes (sent as is) or str (UTF-8)."""
    if isinstance(value, str):
        value = value.encode("utf-8")
    return der_set(der_seq(der_oid(oid), der(tag, value)))


def name(*rdns):
    return der_seq(*rdns)


def _pubkey_der(keyfile):
    r = subprocess.run(["openssl", "pkey", "-in", keyfile, "-pubout", "-outform", "DER"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("openssl pkey: %s" % r.stderr.decode(errors="replace"))
    return r.stdout


_serial = [int(time.time() * 1000) & 0x3FFFFFFFFFFF]


def make_cert(env, out_name, subject_der, keyfile, days=2, san_der=None):
    """Write env.certs/OUT_NAME.pem (signed by env's CA, clientAuth) and OUT_NAME.key (a
    copy of keyfile); return (pem path, key path). subject_der: from name(rdn(...), ...)."""
    ca_pem = os.path.join(env.certs, "ca.pem")
    ca_key = os.path.join(env.certs, "ca.key")
    sha256_rsa = der_seq(der_oid("1.2.840.113549.1.1.11"), der(0x05, b""))
    now = time.time()
    exts = [
        der_seq(der_oid("2.5.29.19"), der_bool(True), der(0x04, der_seq())),  # CA:FALSE
        der_seq(der_oid("2.5.29.37"), der(0x04, der_seq(der_oid("1.3.6.1.5.5.7.3.2")))),
    ]
    if san_der is not None:
        exts.append(der_seq(der_oid("2.5.29.17"), der(0x04, san_der)))
    _serial[0] += 1
    tbs = der_seq(
        der_explicit(0, der_int(2)),
        der_int(_serial[0]),
        sha256_rsa,
        cert_subject_der(ca_pem),
        der_seq(der_utctime(now - 3600), der_utctime(now + days * 86400)),
        subject_der,
        _pubkey_der(keyfile),
        der_explicit(3, der_seq(*exts)),
    )
    tbs_path = env.path(out_name + ".tbs")
    with open(tbs_path, "wb") as f:
        f.write(tbs)
    r = subprocess.run(["openssl", "dgst", "-sha256", "-sign", ca_key, tbs_path],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 0:
        raise RuntimeError("openssl dgst -sign: %s" % r.stderr.decode(errors="replace"))
    cert = der_seq(tbs, sha256_rsa, der(0x03, b"\x00" + r.stdout))
    pem = os.path.join(env.certs, out_name + ".pem")
    b64 = base64.b64encode(cert).decode()
    with open(pem, "w", encoding="ascii") as f:
        f.write("-----BEGIN CERTIFICATE-----\n")
        for i in range(0, len(b64), 64):
            f.write(b64[i:i + 64] + "\n")
        f.write("-----END CERTIFICATE-----\n")
    key = os.path.join(env.certs, out_name + ".key")
    with open(keyfile, "rb") as src, open(key, "wb") as dst:
        dst.write(src.read())
    os.chmod(key, 0o600)
    return pem, key


def openssl_verify(env, pem):
    """(ok, output) of `openssl verify -CAfile ca.pem -purpose sslclient PEM`."""
    r = subprocess.run(["openssl", "verify", "-CAfile", env.ca, "-purpose", "sslclient", pem],
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=30)
    return r.returncode == 0, r.stdout.strip()


# --------------------------------------------------------------------------- raw MQTT v5

CONNECT, CONNACK, PUBLISH, PUBACK, PUBREC, PUBREL, PUBCOMP = 1, 2, 3, 4, 5, 6, 7
SUBSCRIBE, SUBACK, UNSUBSCRIBE, UNSUBACK, PINGREQ, PINGRESP, DISCONNECT = 8, 9, 10, 11, 12, 13, 14


def varint(n):
    out = bytearray()
    while True:
        b = n % 128
        n //= 128
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def mstr(b):
    """An MQTT string (2-byte length + bytes); b: bytes or str. No validation on purpose."""
    if isinstance(b, str):
        b = b.encode("utf-8")
    return struct.pack("!H", len(b)) + b


def packet(ptype, flags, body):
    return bytes([(ptype << 4) | flags]) + varint(len(body)) + body


def publish_packet(topic, payload=b"", qos=0, mid=0, retain=False):
    if isinstance(payload, str):
        payload = payload.encode()
    body = mstr(topic) + (struct.pack("!H", mid) if qos else b"") + b"\x00" + payload
    return packet(PUBLISH, (qos << 1) | (1 if retain else 0), body)


class Raw:
    """A bare MQTT v5 client on a TLS socket: bytes in, bytes out, nothing validated.

    Not thread-safe; one reader. Every read has a deadline."""

    def __init__(self, env, port, cert=None, certfile=None, keyfile=None, timeout=h.WAIT):
        self.env = env
        self.port = port
        self.timeout = timeout
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(env.ca)
        if cert:
            certfile, keyfile = env.cert(cert)
        if certfile:
            ctx.load_cert_chain(certfile, keyfile)
        self.ctx = ctx
        self.sock = None
        self.buf = b""
        self.error = None
        self.closed = False
        self.mid = 0
        self.local_port = None
        self.pending = []      # packets read while waiting for another one

    def open(self):
        raw = socket.create_connection(("127.0.0.1", self.port), timeout=self.timeout)
        self.local_port = raw.getsockname()[1]
        try:
            self.sock = self.ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        except (ssl.SSLError, OSError) as e:
            raw.close()
            self.error = "%s: %s" % (type(e).__name__, e)
            self.closed = True
            return False
        self.sock.settimeout(self.timeout)
        return True

    def send(self, data):
        try:
            self.sock.sendall(data)
            return True
        except (OSError, ssl.SSLError) as e:
            self.error = self.error or "send: %s: %s" % (type(e).__name__, e)
            self.closed = True
            return False

    def _fill(self, deadline):
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            self.sock.settimeout(min(left, self.timeout))
            try:
                d = self.sock.recv(65536)
            except socket.timeout:
                continue
            except (OSError, ssl.SSLError) as e:
                self.error = self.error or "recv: %s: %s" % (type(e).__name__, e)
                self.closed = True
                return False
            if not d:
                self.closed = True
                return False
            self.buf += d
            return True

    def read_packet(self, timeout=None):
        """(type, flags, body) of the next packet, or None (closed or timed out)."""
        if self.pending:
            return self.pending.pop(0)
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        while True:
            if len(self.buf) >= 2:
                mult, n, i = 1, 0, 1
                complete = False
                while i < len(self.buf) and i <= 4:
                    b = self.buf[i]
                    n += (b & 0x7F) * mult
                    mult *= 128
                    i += 1
                    if not b & 0x80:
                        complete = True
                        break
                if complete and len(self.buf) >= i + n:
                    first = self.buf[0]
                    body = self.buf[i:i + n]
                    self.buf = self.buf[i + n:]
                    return first >> 4, first & 15, body
            if self.closed or not self._fill(deadline):
                return None

    def wait_for(self, ptype, timeout=None, match=None):
        """Read until a packet of ptype (and match(body)) arrives; keep the others."""
        deadline = time.monotonic() + (timeout if timeout is not None else self.timeout)
        kept = []
        try:
            while time.monotonic() < deadline:
                p = self.read_packet(max(0.01, deadline - time.monotonic()))
                if p is None:
                    return None
                if p[0] == ptype and (match is None or match(p[2])):
                    return p
                if p[0] == PUBLISH and p[1] & 6:   # acknowledge QoS 1 deliveries
                    tl = struct.unpack("!H", p[2][:2])[0]
                    mid = p[2][2 + tl:4 + tl]
                    self.send(packet(PUBACK, 0, mid))
                kept.append(p)
            return None
        finally:
            self.pending = kept + self.pending

    def connect(self, client_id, username=None, password=None, clean_start=True,
                will=None, session_expiry=0, keepalive=60):
        """Open, send CONNECT, wait for CONNACK. Returns the CONNACK reason code, or None
        when the broker closed the connection (or TLS failed) without one (see .error)."""
        if self.sock is None and not self.open():
            return None
        flags = 0x02 if clean_start else 0
        props = b""
        if session_expiry:
            props += b"\x11" + struct.pack("!I", session_expiry)
        payload = mstr(client_id)
        if will is not None:   # (topic, payload, qos, retain)
            wt, wp, wq, wr = will
            flags |= 0x04 | (wq << 3) | (0x20 if wr else 0)
            payload += b"\x00" + mstr(wt) + mstr(wp)
        if username is not None:
            flags |= 0x80
            payload += mstr(username)
        if password is not None:
            flags |= 0x40
            payload += mstr(password)
        body = mstr(b"MQTT") + bytes([5, flags]) + struct.pack("!H", keepalive) + varint(len(props)) + props + payload
        if not self.send(packet(CONNECT, 0, body)):
            return None
        p = self.read_packet()
        if p is None:
            self.error = self.error or "closed without CONNACK"
            return None
        if p[0] != CONNACK:
            self.error = "expected CONNACK, got packet type %d" % p[0]
            return None
        return p[2][1]

    def next_mid(self):
        self.mid = self.mid % 65535 + 1
        return self.mid

    def publish(self, topic, payload=b"", qos=0, retain=False, wait=True):
        """Send a PUBLISH. QoS 1 with wait: return the PUBACK reason code (None: none)."""
        mid = self.next_mid() if qos else 0
        if not self.send(publish_packet(topic, payload, qos, mid, retain)):
            return None
        if qos == 0 or not wait:
            return mid
        want = struct.pack("!H", mid)
        p = self.wait_for(PUBACK, match=lambda b: b[:2] == want)
        if p is None:
            return None
        return p[2][2] if len(p[2]) > 2 else 0

    def subscribe(self, filt, qos=1):
        """SUBSCRIBE one filter; return its SUBACK reason code (None: no SUBACK)."""
        mid = self.next_mid()
        body = struct.pack("!H", mid) + b"\x00" + mstr(filt) + bytes([qos])
        if not self.send(packet(SUBSCRIBE, 2, body)):
            return None
        want = struct.pack("!H", mid)
        p = self.wait_for(SUBACK, match=lambda b: b[:2] == want)
        if p is None:
            return None
        body = p[2]
        plen_start = 2
        # properties length (varint) then reason codes
        n, mult, i = 0, 1, plen_start
        while True:
            b = body[i]
            n += (b & 0x7F) * mult
            mult *= 128
            i += 1
            if not b & 0x80:
                break
        return body[i + n]

    def ping(self, timeout=None):
        """PINGREQ -> PINGRESP round trip; True when it came back in time."""
        if not self.send(packet(PINGREQ, 0, b"")):
            return False
        return self.wait_for(PINGRESP, timeout=timeout) is not None

    def messages(self, timeout=0.0):
        """PUBLISH packets received so far (and within timeout): list of (topic bytes,
        payload bytes, qos, retain). QoS 1 ones are acknowledged."""
        out = []
        deadline = time.monotonic() + timeout
        keep = []
        while True:
            p = self.read_packet(max(0.01, deadline - time.monotonic())) if (
                self.pending or time.monotonic() < deadline or self.buf) else None
            if p is None:
                break
            if p[0] != PUBLISH:
                keep.append(p)
                continue
            body = p[2]
            tl = struct.unpack("!H", body[:2])[0]
            topic = body[2:2 + tl]
            i = 2 + tl
            qos = (p[1] >> 1) & 3
            if qos:
                self.send(packet(PUBACK, 0, body[i:i + 2]))
                i += 2
            n, mult = 0, 1
            while True:
                b = body[i]
                n += (b & 0x7F) * mult
                mult *= 128
                i += 1
                if not b & 0x80:
                    break
            out.append((topic, body[i + n:], qos, bool(p[1] & 1)))
        self.pending = keep + self.pending
        return out

    def disconnect(self):
        if self.sock is not None and not self.closed:
            self.send(packet(DISCONNECT, 0, b""))
        self.close()

    def close(self):
        if self.sock is not None:
            try:
                self.sock.close()
            except OSError:
                pass
        self.closed = True


# --------------------------------------------------------------------------- broker

class Broker(ih.Broker):
    """idhelpers.Broker plus:
    - log_types: the `log_type` lines to use instead of harness's `log_type all` (the
      broker logs every PUBLISH at debug level: a flood test counts what an operator with
      `log_type notice` would see);
    - command_prefix: argv put before the mosquitto command (e.g. valgrind ...);
    - start_timeout / stop_timeout: raised for a broker under valgrind."""

    def __init__(self, env, log_types=None, command_prefix=(), start_timeout=h.START_TIMEOUT,
                 stop_timeout=5.0, **kw):
        super().__init__(env, **kw)
        self.log_types = list(log_types) if log_types else None
        self.command_prefix = list(command_prefix)
        self.start_timeout = start_timeout
        self.stop_timeout = stop_timeout

    def config_text(self):
        text = super().config_text()
        if self.log_types:
            text = text.replace("log_type all\n", "".join("log_type %s\n" % t for t in self.log_types), 1)
        return text

    def argv(self):
        return self.command_prefix + super().argv()

    def start(self):
        saved = h.START_TIMEOUT
        h.START_TIMEOUT = self.start_timeout
        try:
            return super().start()
        finally:
            h.START_TIMEOUT = saved

    def stop(self):
        """SIGTERM to our recorded PID; wait up to stop_timeout (then SIGKILL)."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.stop_timeout)
            except subprocess.TimeoutExpired:
                h.log("broker %d did not stop within %.0f s: SIGKILL" % (self.pid, self.stop_timeout))
                os.kill(self.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
        return super().stop()


# --------------------------------------------------------------------------- clients

class SessionClient(h.Client):
    """harness.Client that connects with clean_start False and a session expiry
    interval, so that its session (subscriptions, queued QoS 1 messages) outlives it."""

    def __init__(self, *a, session_expiry=300, clean_start=False, **kw):
        super().__init__(*a, **kw)
        self.session_expiry = session_expiry
        self.clean_start = clean_start
        self.session_present = None
        self.c.on_connect = self._on_connect_sp

    def _on_connect_sp(self, client, userdata, flags, reason, properties=None):
        with self.cv:
            self.session_present = bool(flags.get("session present")) if isinstance(flags, dict) else None
        return self._on_connect(client, userdata, flags, reason, properties)

    def connect(self, timeout=h.WAIT):
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = self.session_expiry
        try:
            self.c.connect(self.host, self.port, keepalive=30, clean_start=self.clean_start,
                           properties=props)
        except (ssl.SSLError, OSError, ValueError) as e:
            self.error = "%s: %s" % (type(e).__name__, e)
            return h.ConnResult(None, self.error)
        self._thread = threading.Thread(target=self._loop, name="mqtt-" + self.client_id, daemon=True)
        self.c._thread = self._thread
        self._thread.start()
        self._wait(lambda: self.connack is not None or self.disconnected, timeout)
        if self.connack is None:
            return h.ConnResult(None, self.error or "no CONNACK")
        return h.ConnResult(self.connack, None)


# --------------------------------------------------------------------------- misc

def sleep_quiet(seconds=h.QUIET):
    """Wait for something that must NOT happen (after a sentinel showed it would have)."""
    time.sleep(seconds)


# --------------------------------------------------------------------------- test case base

class Case(ih.Case):
    """idhelpers.Case plus the checks the adversarial tests share."""

    seq = 0

    def sub(self, cl, filt, want):
        """Subscribe one filter (paho client); assert granted (want True) or 0x87."""
        codes = cl.subscribe(filt)
        rc = codes[0] if codes else None
        h.log("  %s subscribe %r -> %s (expected %s)" % (cl.name, filt[:80], h.rc_name(rc),
                                                       "granted" if want else "0x87"))
        if want:
            self.assertTrue(h.suback_granted(rc), "%s subscribe %r should be granted: %s"
                            % (cl.name, filt[:80], h.rc_name(rc)))
        else:
            self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "%s subscribe %r should be refused: %s"
                             % (cl.name, filt[:80], h.rc_name(rc)))
        return rc

    def sentinel(self, publisher, receiver, topic):
        """Publish a unique sentinel on `topic` (which `receiver` reads) and wait until it
        arrives, then a quiet period: whatever the broker sent before it has arrived."""
        type(self).seq += 1
        s = "sentinel-%d-%d" % (os.getpid(), self.seq)
        rc = publisher.publish(topic, s)
        self.assertTrue(h.publish_allowed(rc), "sentinel publish on %s: %s" % (topic, h.rc_name(rc)))
        got = receiver.wait_message(lambda m: m[1] == s)
        self.assertIsNotNone(got, "%s did not receive the sentinel on %s" % (receiver.name, topic))
        sleep_quiet()
        return s

    def raw_refused(self, port, client_id, cert=None, username=None, password=None, why=None):
        """A raw CONNECT that must get no session: either no CONNACK at all (the broker
        closed the connection: a malformed or invalid field) or CONNACK >= 0x80, and no
        'New client connected' line for it. Returns (CONNACK code or None, error text)."""
        since = self.broker.log_offset()
        r = Raw(self.env, port, cert=cert)
        rc = r.connect(client_id, username=username, password=password)
        h.log("  raw connect cert=%s id=%r user=%r -> %s (%s)" % (cert, client_id, username,
                                                               h.rc_name(rc), r.error))
        try:
            self.assertTrue(rc is None or rc >= 0x80, "connect with id %r user %r should be refused: %s"
                            % (client_id, username, h.rc_name(rc)))
            # nothing granted: the socket is closed, a publish goes nowhere
            if rc is None:
                self.assertTrue(r.closed, "the broker kept the connection open without a CONNACK")
            else:
                r.read_packet(timeout=1.0)
                self.assertTrue(r.closed, "the broker kept a refused connection open")
            sleep_quiet()
            accepted = self.broker.find_log(r"New client connected from 127\.0\.0\.1:%d " % r.local_port,
                                            since) if r.local_port else []
            self.assertEqual(accepted, [], "the broker accepted the connection")
        finally:
            r.close()
        return rc, r.error
