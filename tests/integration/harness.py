"""Shared harness of certacl's integration tests.

Standard library + paho-mqtt (Debian's python3-paho-mqtt 1.6.x) only.

- CertEnv: a temporary directory with certificates made by scripts/gencerts: a CA, the
  server certificate and the client CNs a test needs, plus a second, unrelated CA
  ("other/") with its own client for the "certificate from another CA" case.
- Broker: writes a mosquitto.conf, starts /usr/sbin/mosquitto on free loopback ports,
  records its PID and only ever signals or stops that PID, captures its stderr in a
  file, waits for log lines, sends SIGHUP.
- Client: a paho MQTT v5 client over TLS with its own bounded network-loop thread (no
  automatic reconnects), returning CONNACK / PUBACK / SUBACK reason codes and
  collecting received messages.

Every wait is bounded in time and every loop in count. Environment:
  CERTACL_PLUGIN      path of certacl.so (set by ctest; default build/certacl.so)
  CERTACL_SOURCE_DIR  the source tree (set by ctest; default: two levels up)
  CERTACL_MOSQUITTO   the broker binary (default /usr/sbin/mosquitto)
  CERTACL_BROKER_ROOT a Debian root (scripts/rootfs) whose mosquitto is run with chroot:
                      the version matrix (scripts/matrix) tests 2.0.21 and 2.1.x this way;
                      /tmp and the source tree are bind-mounted at the same paths inside
  CERTACL_KEEP_TMP=1  keep the temporary directories (they are printed)
  CERTACL_CERT_CACHE  a directory where certificates are kept between tests (ctest sets it)
  CERTACL_TEST_STOCK=1  development aid: run against mosquitto's own acl_file with
                      use_identity_as_username instead of the plugin (certacl is stricter
                      by design, so some tests fail then)
"""

import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CERTACL_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
GENCERTS = os.path.join(SOURCE_DIR, "scripts", "gencerts")
MOSQUITTO = os.environ.get("CERTACL_MOSQUITTO", "/usr/sbin/mosquitto")
BROKER_ROOT = os.environ.get("CERTACL_BROKER_ROOT", "")
SEED_ACL = os.path.join(SOURCE_DIR, "acl-examples", "seed", "acl")

# Bounds (seconds). Generous enough for a loaded CI machine, short enough to keep the
# suite fast: waits end as soon as their event happens.
START_TIMEOUT = 10.0
WAIT = 5.0
POLL = 0.05
# How long to wait for something that must NOT happen, once a later event (a sentinel
# message on the same connection, a later log line) has shown that it would have.
QUIET = 0.3

# MQTT v5 reason codes used by the tests.
RC_SUCCESS = 0x00
RC_NO_MATCHING_SUBSCRIBERS = 0x10
RC_NOT_AUTHORIZED = 0x87
RC_BAD_USERNAME_OR_PASSWORD = 0x86
RC_CLIENT_ID_NOT_VALID = 0x85


def plugin_path():
    p = os.environ.get("CERTACL_PLUGIN")
    if p:
        return p
    candidates = [os.path.join(SOURCE_DIR, "build", "certacl.so"),
                  os.path.join(SOURCE_DIR, "build", "plugin", "certacl.so")]
    for c in candidates:
        if os.path.exists(c):
            return c
    return candidates[0]


def rc_name(rc):
    """A short text for a reason code, or for None (no answer)."""
    if rc is None:
        return "none"
    names = {
        0x00: "ok", 0x01: "ok(qos1)", 0x02: "ok(qos2)", 0x10: "ok(no-subscribers)",
        0x80: "unspecified", 0x86: "bad-user/pass", 0x87: "NOT-AUTHORIZED",
        0x8F: "topic-filter-invalid", 0x90: "topic-name-invalid", 0x97: "quota",
    }
    return "0x%02x %s" % (rc, names.get(rc, "?"))


def publish_allowed(rc):
    """True when a QoS 1 PUBACK reason code means the broker accepted the message."""
    return rc in (RC_SUCCESS, RC_NO_MATCHING_SUBSCRIBERS)


def suback_granted(rc):
    """True when a SUBACK reason code grants the subscription (granted QoS 0-2)."""
    return rc is not None and rc <= 2


def log(msg):
    print(msg, flush=True)


def wait_until(pred, timeout=WAIT, poll=POLL):
    """Poll pred() until it returns a true value or timeout passes; return the value."""
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / poll) + 2):
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            break
        time.sleep(poll)
    return pred()


def broker_argv(conf):
    """The command line of the broker under test with config file `conf`."""
    if BROKER_ROOT:
        return ["chroot", BROKER_ROOT, "/usr/sbin/mosquitto", "-c", conf]
    return [MOSQUITTO, "-c", conf]


_version = []


def broker_version():
    """(major, minor, patch) of the broker under test, from the first line of
    `mosquitto -h` ("mosquitto version 2.0.11")."""
    if not _version:
        argv = broker_argv("/dev/null")[:-2] + ["-h"]
        out = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, text=True, timeout=10).stdout
        m = re.search(r"mosquitto version (\d+)\.(\d+)\.(\d+)", out)
        if not m:
            raise RuntimeError("cannot tell the broker's version from: %r" % out[:200])
        _version.append(tuple(int(x) for x in m.groups()))
    return _version[0]


def broker_is_21():
    """True for mosquitto 2.1.x and later (RELOAD must succeed, CONNECT and
    CLIENT_OFFLINE events exist)."""
    return broker_version() >= (2, 1, 0)


def gone_pattern(client_id):
    """A regex for the broker's log line when `client_id`'s connection ends: 2.0 logs
    "Client ID disconnected." or "Client ID closed its connection.", 2.1 adds the address:
    "Client ID [127.0.0.1:PORT] disconnected: connection closed by client."."""
    return r"Client %s (\[[^\]]*\] )?(disconnected|closed its connection)" % re.escape(client_id)


def keep_tmp():
    return os.environ.get("CERTACL_KEEP_TMP") == "1"


# --------------------------------------------------------------------------- certificates

def gencerts(out, cns, ca_name=None, extra=()):
    """Run scripts/gencerts into `out` for the client CNs `cns`; return its output."""
    cmd = [GENCERTS, "--out", out, "--days", "2"]
    if ca_name:
        cmd += ["--ca-name", ca_name]
    cmd += list(extra)
    cmd += ["--"] + list(cns)
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=120)
    if r.returncode != 0:
        raise RuntimeError("gencerts failed (%d): %s %s" % (r.returncode, r.stdout, r.stderr))
    return r.stdout


def _cached_certs(cache, sub, cns, ca_name, extra=()):
    """Make sure cache/sub holds a CA (+ server unless --no-server in extra) and the
    client CNs; generate only what is missing. Caller holds the cache lock."""
    d = os.path.join(cache, sub)
    ca = os.path.join(d, "ca.pem")
    if os.path.exists(ca):
        age = time.time() - os.path.getmtime(ca)
        if age > 12 * 3600 or os.path.getmtime(GENCERTS) > os.path.getmtime(ca):
            shutil.rmtree(d, ignore_errors=True)  # near expiry, or made by an older gencerts
    missing = [cn for cn in cns if not os.path.exists(os.path.join(d, cn + ".pem"))]
    if missing or not os.path.exists(ca):
        gencerts(d, missing, ca_name=ca_name, extra=extra)
    return d


class CertEnv:
    """A temporary directory with a CA, a server certificate and client certificates.

    certs/ holds the main CA (ca.pem), server.pem/server.key and one CN.pem/CN.key per
    client; other/ (when other_clients is given) holds an unrelated CA and its clients.
    With CERTACL_CERT_CACHE set (ctest sets it to a directory in the build tree), the
    certificates come from that cache, shared by the tests under a lock, so that RSA key
    generation does not dominate the run time; every test still gets its own copies.
    """

    def __init__(self, clients, other_clients=(), prefix="certacl-it-"):
        self.dir = tempfile.mkdtemp(prefix=prefix)
        self.certs = os.path.join(self.dir, "certs")
        self.other = os.path.join(self.dir, "other")
        cache = os.environ.get("CERTACL_CERT_CACHE")
        if cache:
            import fcntl
            os.makedirs(cache, exist_ok=True)
            with open(os.path.join(cache, ".lock"), "w") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed
                main = _cached_certs(cache, "main", clients, "certacl test CA")
                self._copy(main, self.certs, ["ca", "server"] + list(clients))
                if other_clients:
                    oth = _cached_certs(cache, "other", other_clients, "unrelated CA", ["--no-server"])
                    self._copy(oth, self.other, ["ca"] + list(other_clients))
        else:
            gencerts(self.certs, clients, ca_name="certacl test CA")
            if other_clients:
                gencerts(self.other, other_clients, ca_name="unrelated CA", extra=["--no-server"])
        self.ca = os.path.join(self.certs, "ca.pem")

    @staticmethod
    def _copy(src, dst, names):
        os.makedirs(dst, exist_ok=True)
        for n in names:
            for ext in (".pem", ".key"):
                shutil.copy2(os.path.join(src, n + ext), os.path.join(dst, n + ext))

    def add_clients(self, clients, extra=()):
        """Issue more client certificates from the main CA (e.g. with --ou/--o)."""
        return gencerts(self.certs, clients, extra=extra)

    def cert(self, cn, other_ca=False):
        d = self.other if other_ca else self.certs
        return os.path.join(d, cn + ".pem"), os.path.join(d, cn + ".key")

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def write(self, name, text):
        p = self.path(name)
        with open(p, "w", encoding="utf-8") as f:
            f.write(text)
        return p

    def cleanup(self):
        if keep_tmp():
            log("kept %s" % self.dir)
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


# --------------------------------------------------------------------------- broker

def free_port():
    """A TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class BrokerError(Exception):
    pass


class Broker:
    """One mosquitto process with certacl (or, with plugin=None, mosquitto's own checks).

    listeners: list of dicts, one per listener, keys:
        require_certificate (default True)
        extra (list of extra config lines for that listener)
    acl_files: list of paths for plugin_opt_acl_file (one line each).
    plugin_opts: list of (key, value) for more plugin_opt_KEY lines.
    global_lines: extra global config lines (e.g. password_file).
    plugin: path of the plugin, or None for a broker without it (harness self-test).
    per_listener_settings: True puts the plugin on the last listener (mosquitto's option).
    """

    def __init__(self, env, acl_files=(), plugin_opts=(), listeners=None, global_lines=(),
                 plugin="default", name="broker", per_listener_settings=False):
        self.env = env
        self.per_listener_settings = per_listener_settings
        self.name = name
        self.acl_files = list(acl_files)
        self.plugin_opts = list(plugin_opts)
        self.listeners = listeners if listeners is not None else [{}]
        self.global_lines = list(global_lines)
        self.plugin = plugin_path() if plugin == "default" else plugin
        if plugin == "default" and os.environ.get("CERTACL_TEST_STOCK") == "1":
            # Development aid: the same test against mosquitto's own acl_file and
            # use_identity_as_username, to see where certacl differs (on purpose or not).
            self.plugin = None
            self.global_lines += ["acl_file %s" % a for a in self.acl_files]
            for l in self.listeners:
                l.setdefault("extra", [])
                l["extra"] = list(l["extra"]) + ["use_identity_as_username true"]
        self.conf = env.path(name + ".conf")
        self.log_path = env.path(name + ".log")
        self.proc = None
        self.pid = None
        self.ports = []
        self._log_file = None
        self._final_log = ""

    @property
    def port(self):
        return self.ports[0]

    def config_text(self):
        c = self.env.certs
        lines = [
            "per_listener_settings %s" % ("true" if self.per_listener_settings else "false"),
            "user root",
            "log_dest stderr",
            "log_type all",
        ]
        if not self.per_listener_settings:
            lines.append("allow_anonymous false")
        lines += self.global_lines
        for port, l in zip(self.ports, self.listeners):
            lines += [
                "",
                "listener %d 127.0.0.1" % port,
                "cafile %s" % os.path.join(c, "ca.pem"),
                "certfile %s" % os.path.join(c, "server.pem"),
                "keyfile %s" % os.path.join(c, "server.key"),
                "require_certificate %s" % ("true" if l.get("require_certificate", True) else "false"),
            ]
            if self.per_listener_settings:  # 2.1: a listener's option, after its listener line
                lines.append("allow_anonymous false")
            lines += list(l.get("extra", ()))
        if self.plugin:
            lines += ["", "plugin %s" % self.plugin]
            lines += ["plugin_opt_acl_file %s" % a for a in self.acl_files]
            lines += ["plugin_opt_%s %s" % (k, v) for k, v in self.plugin_opts]
        return "\n".join(lines) + "\n"

    def _spawn(self):
        self.ports = [free_port() for _ in self.listeners]
        with open(self.conf, "w", encoding="utf-8") as f:
            f.write(self.config_text())
        if self._log_file:
            self._log_file.close()
        self._log_file = open(self.log_path, "wb")
        if self.plugin and not os.path.exists(self.plugin):
            raise BrokerError("plugin not found: %s (build it, or set CERTACL_PLUGIN)" % self.plugin)
        self.proc = subprocess.Popen(self.argv(), stdin=subprocess.DEVNULL,
                                     stdout=self._log_file, stderr=subprocess.STDOUT)
        self.pid = self.proc.pid

    def argv(self):
        """The broker's command line (chroot execs mosquitto: the PID stays the broker's)."""
        return broker_argv(self.conf)

    def start(self):
        """Start and wait until every listener accepts connections. Raises BrokerError."""
        for attempt in range(3):
            self._spawn()
            deadline = time.monotonic() + START_TIMEOUT
            for _ in range(int(START_TIMEOUT / POLL) + 2):
                if self.proc.poll() is not None:
                    break
                if all(port_open(p) for p in self.ports):
                    return self
                if time.monotonic() > deadline:
                    break
                time.sleep(POLL)
            text = self.log()
            if self.proc.poll() is not None and "Address already in use" in text and attempt < 2:
                continue  # lost a race for the port: try others
            self.stop()
            raise BrokerError("broker did not start (exit %s); log:\n%s"
                              % (self.proc.returncode, text[-4000:]))
        raise BrokerError("unreachable")

    def start_expecting_exit(self, timeout=START_TIMEOUT):
        """Start a broker that must refuse to start; return (exit code, log text).

        The exit code is None when it was still running after `timeout` (it is then stopped).
        """
        self._spawn()
        try:
            rc = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            rc = None
            self.stop()
        return rc, self.log()

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        """Stop the broker we started, by its recorded PID only."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.terminate()  # SIGTERM to self.pid
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        self._final_log = self.log()
        return self.proc.returncode

    # ---- log

    def log(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except FileNotFoundError:
            return self._final_log  # the temporary directory is gone: last known text

    def log_offset(self):
        """The current length of the log, to look only at lines written after it."""
        return len(self.log())

    def log_lines(self, since=0):
        return self.log()[since:].splitlines()

    def find_log(self, pattern, since=0):
        """Lines (after offset `since`) matching the regex `pattern`."""
        rx = re.compile(pattern)
        return [l for l in self.log_lines(since) if rx.search(l)]

    def wait_log(self, pattern, since=0, timeout=WAIT):
        """Wait for a line matching `pattern` after `since`; return it, or None on timeout."""
        found = wait_until(lambda: self.find_log(pattern, since), timeout)
        return found[0] if found else None

    def sighup(self):
        """Send SIGHUP to our broker; return the log offset from before it."""
        if not self.alive():
            raise BrokerError("broker is not running")
        since = self.log_offset()
        os.kill(self.pid, signal.SIGHUP)
        return since

    def tail(self, n=60):
        return "\n".join(self.log_lines()[-n:])


# --------------------------------------------------------------------------- client

class _PahoClient(mqtt.Client):
    """paho 1.6 does not give the PUBACK reason code to on_publish: capture it here."""

    def __init__(self, *a, **kw):
        super().__init__(*a, **kw)
        self.puback_rc = {}
        self.puback_cv = threading.Condition()

    def _handle_pubackcomp(self, cmd):
        try:
            pkt = self._in_packet["packet"]
            mid = int.from_bytes(pkt[:2], "big")
            rc = pkt[2] if self._in_packet["remaining_length"] > 2 else 0
            with self.puback_cv:
                self.puback_rc[mid] = rc
                self.puback_cv.notify_all()
        except Exception as e:  # pragma: no cover - would be a paho change
            log("cannot read PUBACK reason code: %r" % e)
        return super()._handle_pubackcomp(cmd)


if not hasattr(mqtt.Client, "_handle_pubackcomp"):
    raise ImportError("this paho-mqtt (%s) lacks Client._handle_pubackcomp: the harness "
                      "targets Debian's python3-paho-mqtt 1.6.x" % getattr(mqtt, "__version__", "?"))


class ConnResult:
    def __init__(self, rc=None, error=None):
        self.rc = rc          # CONNACK reason code, or None when none arrived
        self.error = error    # text when the connection failed before a CONNACK

    @property
    def ok(self):
        return self.rc == 0

    def __repr__(self):
        return "ConnResult(rc=%s, error=%r)" % (rc_name(self.rc), self.error)


_id_counter = [0]
_id_lock = threading.Lock()


def unique_id(prefix):
    with _id_lock:
        _id_counter[0] += 1
        return "%s-%d-%d" % (prefix, os.getpid(), _id_counter[0])


class Client:
    """An MQTT client over TLS (v5 unless protocol=4: 3.1.1).

    cert: CN of a client certificate (files CN.pem/CN.key) or None for no certificate.
    other_ca: take the certificate from the unrelated CA.
    clean: clean start (v5) / clean session (3.1.1); session_expiry: v5's Session
    Expiry Interval in seconds (None: not sent, 0).
    """

    def __init__(self, env, port, cert, client_id=None, username=None, password=None,
                 other_ca=False, host="127.0.0.1", will=None, protocol=5, clean=True,
                 session_expiry=None):
        self.env = env
        self.port = port
        self.host = host
        self.name = cert or "(no cert)"
        self.client_id = client_id or unique_id((cert or "nocert").replace(" ", "_"))
        self.protocol = protocol
        self.clean = clean
        self.session_expiry = session_expiry
        if protocol == 5:
            self.c = _PahoClient(client_id=self.client_id, protocol=mqtt.MQTTv5)
        else:
            self.c = _PahoClient(client_id=self.client_id, protocol=mqtt.MQTTv311,
                                 clean_session=clean)
        certfile = keyfile = None
        if cert:
            certfile, keyfile = env.cert(cert, other_ca=other_ca)
        self.c.tls_set(ca_certs=env.ca, certfile=certfile, keyfile=keyfile,
                       cert_reqs=ssl.CERT_REQUIRED, tls_version=ssl.PROTOCOL_TLS_CLIENT)
        self.c.tls_insecure_set(False)
        if username is not None:
            self.c.username_pw_set(username, password)
        if will is not None:  # (topic, payload, qos, retain)
            self.c.will_set(*will)
        self.cv = threading.Condition()
        self.connack = None
        self.disconnected = False
        self.disconnect_rc = None
        self.error = None
        self.messages = []          # (topic, payload str, qos, retain)
        self.suback = {}            # mid -> [reason codes]
        self.c.on_connect = self._on_connect
        self.c.on_disconnect = self._on_disconnect
        self.c.on_message = self._on_message
        self.c.on_subscribe = self._on_subscribe
        self._stop = threading.Event()
        self._thread = None

    # ---- callbacks (network thread)

    def _on_connect(self, client, userdata, flags, reason, properties=None):
        with self.cv:
            self.connack = getattr(reason, "value", reason)
            self.cv.notify_all()

    def _on_disconnect(self, client, userdata, reason, properties=None):
        with self.cv:
            self.disconnected = True
            self.disconnect_rc = getattr(reason, "value", reason)
            self.cv.notify_all()

    def _on_message(self, client, userdata, msg):
        with self.cv:
            self.messages.append((msg.topic, msg.payload.decode("utf-8", "replace"),
                                  msg.qos, bool(msg.retain)))
            self.cv.notify_all()

    def _on_subscribe(self, client, userdata, mid, reasons, properties=None):
        with self.cv:
            self.suback[mid] = [getattr(r, "value", r) for r in reasons]
            self.cv.notify_all()

    def _loop(self):
        # Bounded by the stop event and by the connection: ends when either goes.
        while not self._stop.is_set():
            try:
                rc = self.c.loop(timeout=0.05)
            except Exception as e:  # TLS alert (e.g. certificate required), reset...
                rc = -1
                with self.cv:
                    self.error = self.error or ("%s: %s" % (type(e).__name__, e))
            if rc != mqtt.MQTT_ERR_SUCCESS:
                with self.cv:
                    self.disconnected = True
                    if self.error is None:
                        self.error = "loop rc %s (%s)" % (rc, mqtt.error_string(rc) if rc > 0 else "exception")
                    self.cv.notify_all()
                break

    def _wait(self, pred, timeout=WAIT):
        with self.cv:
            return self.cv.wait_for(pred, timeout)

    # ---- API

    def connect(self, timeout=WAIT):
        """Connect; return a ConnResult (rc None and error set when there was no CONNACK)."""
        try:
            if self.protocol == 5:
                props = None
                if self.session_expiry is not None:
                    props = Properties(PacketTypes.CONNECT)
                    props.SessionExpiryInterval = self.session_expiry
                self.c.connect(self.host, self.port, keepalive=30, clean_start=self.clean,
                               properties=props)
            else:
                self.c.connect(self.host, self.port, keepalive=30)
        except (ssl.SSLError, OSError, ValueError) as e:
            self.error = "%s: %s" % (type(e).__name__, e)
            return ConnResult(None, self.error)
        self._thread = threading.Thread(target=self._loop, name="mqtt-" + self.client_id, daemon=True)
        # Tell paho that a network thread owns the socket, so that publish() and friends
        # from this thread only queue packets (and wake the loop) instead of writing to
        # the TLS socket while the loop thread reads it: concurrent use of one SSL object
        # corrupts the stream ("wrong version number" at the broker).
        self.c._thread = self._thread
        self._thread.start()
        self._wait(lambda: self.connack is not None or self.disconnected, timeout)
        if self.connack is None:
            return ConnResult(None, self.error or ("no CONNACK" if not self.disconnected else "disconnected"))
        return ConnResult(self.connack, None)

    def connected(self):
        return self.connack == 0 and not self.disconnected and self.c.is_connected()

    def publish(self, topic, payload="", qos=1, retain=False, timeout=WAIT):
        """Publish with QoS 1 and return the PUBACK reason code (None: no PUBACK in time)."""
        if qos != 1:
            raise ValueError("publish() waits for a PUBACK: use qos=1 (or publish_nowait)")
        try:
            info = self.c.publish(topic, payload, qos=1, retain=retain)
        except (OSError, ValueError) as e:
            self.error = self.error or "publish: %s: %s" % (type(e).__name__, e)
            return None
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        with self.c.puback_cv:
            self.c.puback_cv.wait_for(lambda: info.mid in self.c.puback_rc or self.disconnected, timeout)
            return self.c.puback_rc.get(info.mid)

    def publish_nowait(self, topic, payload="", qos=0, retain=False):
        try:
            return self.c.publish(topic, payload, qos=qos, retain=retain).rc
        except (OSError, ValueError):
            return None

    def subscribe(self, filters, qos=1, timeout=WAIT):
        """Subscribe to one filter (str) or several (list); return the SUBACK reason codes
        (list, one per filter), or None when no SUBACK arrived in time."""
        if isinstance(filters, str):
            filters = [filters]
        try:
            rc, mid = self.c.subscribe([(f, qos) for f in filters])
        except (OSError, ValueError) as e:
            self.error = self.error or "subscribe: %s: %s" % (type(e).__name__, e)
            return None
        if rc != mqtt.MQTT_ERR_SUCCESS:
            return None
        self._wait(lambda: mid in self.suback or self.disconnected, timeout)
        return self.suback.get(mid)

    def received(self, topic=None):
        with self.cv:
            return [m for m in self.messages if topic is None or m[0] == topic]

    def payloads(self):
        with self.cv:
            return [m[1] for m in self.messages]

    def wait_message(self, pred, timeout=WAIT):
        """Wait for a received message with pred((topic, payload, qos, retain)); return it or None."""
        def find():
            for m in self.messages:
                if pred(m):
                    return m
            return None
        with self.cv:
            self.cv.wait_for(lambda: find() is not None or self.disconnected, timeout)
            return find()

    def wait_disconnected(self, timeout=WAIT):
        return self._wait(lambda: self.disconnected, timeout)

    def drop(self):
        """Close the TCP connection without DISCONNECT (so the broker sends the will)."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        sock = self.c.socket()
        if sock is not None:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            try:
                sock.close()
            except OSError:
                pass
        with self.cv:
            self.disconnected = True
            self.cv.notify_all()

    def close(self):
        """Disconnect (if connected) and stop the network thread; bounded."""
        try:
            if self.connected():
                self.c.disconnect()
                # let the loop thread flush DISCONNECT (it then sees the close)
                self._wait(lambda: self.disconnected, 1.0)
        except Exception:
            pass
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        try:
            self.c.socket() and self.c.socket().close()
        except Exception:
            pass


def connect(env, port, cert, **kw):
    """Make a Client and connect it; return (client, ConnResult)."""
    cl = Client(env, port, cert, **kw)
    return cl, cl.connect()


class Clients:
    """Keeps track of clients to close them all at the end."""

    def __init__(self):
        self.all = []

    def add(self, cl):
        self.all.append(cl)
        return cl

    def close(self):
        for cl in self.all:
            cl.close()
        self.all = []


def print_table(title, header, rows):
    """Print a plain-text table (header: list of str; rows: lists of str)."""
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)] if rows else [len(h) for h in header]
    log("\n" + title)
    fmt = "  ".join("%%-%ds" % w for w in widths)
    log(fmt % tuple(header))
    log(fmt % tuple("-" * w for w in widths))
    for r in rows:
        log(fmt % tuple(str(x) for x in r))
    log("")


# --------------------------------------------------------------------------- test runner

_brokers = []


def track(broker):
    """Remember a broker so that main() prints its log tail when a test fails."""
    _brokers.append(broker)
    return broker


def connected_as(broker, client_id, since=0):
    """The username mosquitto logged for `client_id` at connect ("New client connected ...
    u'NAME'"), or None when no such line (yet)."""
    for l in broker.find_log(r"New client connected from .* as %s \(" % re.escape(client_id), since):
        m = re.search(r"u'([^']*)'\)", l)
        if m:
            return m.group(1)
        return ""  # connected without a username
    return None


def main():
    """Run the unittest cases of the calling script; on failure print the broker logs."""
    import unittest
    prog = unittest.main(exit=False, verbosity=2)
    ok = prog.result.wasSuccessful() and prog.result.testsRun > 0
    if not ok:
        for b in _brokers:
            sys.stderr.write("\n---- last lines of %s (%s) ----\n%s\n" % (b.name, b.log_path, b.tail(80)))
    sys.exit(0 if ok else 1)
