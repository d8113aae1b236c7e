#!/usr/bin/env python3
"""Memory: the real broker with certacl under valgrind (issue 7 item 2).

mosquitto runs under `valgrind --leak-check=full --show-leak-kinds=definite,indirect
--errors-for-leak-kinds=definite --track-origins=no --num-callers=30`, with certacl, an
identity map (`unmapped deny`), a deny list and two listeners (certificates required;
no certificate with the default `no_cert deny`). Scenario:
- clients connect (mapped, with a map group), publish, subscribe and receive; others are
  refused (unmapped, revoked, no certificate, a client-id takeover by another user,
  denied publishes and subscriptions);
- RELOADS (200) SIGHUPs, alternating a good policy (two equivalent ACL files in turn)
  and a broken one (by turns a broken ACL file, identity map or deny list); each waits
  for `certacl: reloaded` / `certacl: reload failed` before the next, and after every
  reload the broker re-authenticates the connected clients; every 20 reloads a client
  connects, publishes and leaves, another leaves a persistent session, and a refused one
  tries (churn of the client table: a good reload drops its plain offline records and the
  values of kept sessions; their owners stay, past session_owners_per_user 3 the oldest
  is dropped, and they are saved to session_owners_file at shutdown);
- the connected clients are still there and the last good policy decides;
- SIGTERM to the recorded PID: a clean shutdown, so that mosquitto calls
  mosquitto_plugin_cleanup, then valgrind writes its leak report.
The valgrind log is parsed into records. FAIL on any "Invalid read/write/free",
"uninitialised" or "definitely/indirectly lost" record whose stack mentions certacl.so or
a certacl source file (plugin/, include/certacl/), or holds a frame valgrind cannot name
(`???` without an object: code unmapped at report time, i.e. the plugin, which mosquitto
dlclose()s before valgrind reports leaks; --keep-debuginfo=yes normally names it);
mosquitto's and OpenSSL's own records are printed as information only.

Environment: CERTACL_VALGRIND (valgrind binary, default `valgrind`), CERTACL_VG_RELOADS
(default 200). Takes about 1-2 minutes (the broker is 20-50x slower under valgrind).
"""

import glob
import os
import re
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402
import advhelpers as ah  # noqa: E402

VALGRIND = os.environ.get("CERTACL_VALGRIND", "valgrind")
RELOADS = int(os.environ.get("CERTACL_VG_RELOADS", "200"))
VG_WAIT = 60.0        # bound of any single wait on the broker under valgrind
VG_START = 120.0
VG_STOP = 180.0       # shutdown + leak check

ACL_A = """# policy A
# patterns before the first group: every client's
pattern readwrite cid/%c/#
pattern read cn/%{cn}/in qos<=1
pattern write dev/%u/out retain=no

user dev1
topic readwrite dev/dev1/#
topic deny dev/dev1/secret/#

group ops
topic read dev/#
topic readwrite ops/#
"""

# the same rights, written differently (another rule count, so a reload visibly changes it)
ACL_B = """# policy B (equivalent to A)
# patterns before the first group: every client's
pattern readwrite cid/%c/#
pattern read cn/%{cn}/in qos<=1
pattern write dev/%u/out retain=no

user dev1
topic readwrite dev/dev1/#
topic deny dev/dev1/secret/#
topic write dev/dev1/out

group ops
topic read dev/+
topic read dev/#
topic readwrite ops/#
"""

ACL_BROKEN = """# broken on line 4: never half-loaded
user dev1
topic readwrite dev/dev1/#
topic read dev/#/x
"""

MAP = """# IDENTITY  USERNAME  GROUPS
dev1        dev1
dev2        dev2      ops
viewer      viewer    ops
"""
MAP_BROKEN = MAP + '"unterminated   nobody\n'


def source_names():
    """Base names of certacl's source files: a valgrind frame `(name.c:NN)` is certacl's."""
    names = set()
    for pat in ("plugin/*/*.c", "plugin/*/*.h", "include/certacl/*.h"):
        names.update(os.path.basename(p) for p in glob.glob(os.path.join(h.SOURCE_DIR, pat)))
    return names


def parse_valgrind(text):
    """Records of a valgrind log: lists of lines (without the ==PID== prefix)."""
    records, cur = [], []
    for raw in text.splitlines():
        m = re.match(r"^==\d+== ?(.*)$", raw)
        if not m:
            continue
        line = m.group(1)
        if line.strip() == "":
            if cur:
                records.append(cur)
            cur = []
        else:
            cur.append(line)
    if cur:
        records.append(cur)
    return records


KINDS = [
    ("invalid", re.compile(r"^(Invalid (read|write|free)|Mismatched free|Source and destination overlap)")),
    ("uninitialised", re.compile(r"uninitialised")),
    ("definitely lost", re.compile(r"are definitely lost in loss record")),
    ("indirectly lost", re.compile(r"are indirectly lost in loss record")),
]


def classify(records, names):
    """(certacl records, other records): each (kind, lines)."""
    file_rx = re.compile(r"\((%s):\d+\)" % "|".join(re.escape(n) for n in sorted(names))) if names else None
    ours, others = [], []
    for rec in records:
        kind = None
        for k, rx in KINDS:
            if rx.search(rec[0]):
                kind = k
                break
        if kind is None:
            continue
        body = "\n".join(rec)
        # a bare '???' frame (no "(in OBJECT)") is code no longer mapped at report time:
        # the plugin, dlclose()d at shutdown (a fallback, should --keep-debuginfo be absent)
        unmapped = any(re.match(r"^\s*(at|by) 0x[0-9A-Fa-f]+: \?\?\?\s*$", l) for l in rec)
        if "certacl.so" in body or (file_rx and file_rx.search(body)) or unmapped:
            ours.append((kind, rec))
        else:
            others.append((kind, rec))
    return ours, others


def serial_hex(pem):
    return ih.serial_line(pem).split("=", 1)[1]


@unittest.skipUnless(shutil.which(VALGRIND), "valgrind not installed")
class ValgrindReload(ah.Case):
    @classmethod
    def setUpClass(cls):
        env = h.CertEnv(["dev1", "dev2", "viewer", "unmapped1", "revoked1"])
        cls.env = env
        cls.acl = ih.write_atomic(env.path("policy.acl"), ACL_A)
        cls.map = ih.write_atomic(env.path("identities.map"), MAP)
        cls.deny_good = "# revoked\nserial %s\n" % serial_hex(env.cert("revoked1")[0])
        cls.deny = ih.write_atomic(env.path("revoked.txt"), cls.deny_good)
        cls.vg_log = env.path("memcheck.log")   # (valgrind.log is the broker's own log)
        prefix = [VALGRIND, "--leak-check=full", "--show-leak-kinds=definite,indirect",
                  "--errors-for-leak-kinds=definite", "--track-origins=no", "--num-callers=30",
                  # mosquitto dlclose()s the plugin before valgrind's leak report: without
                  # this, frames in certacl.so print as bare '???'
                  "--keep-debuginfo=yes",
                  "--log-file=%s" % cls.vg_log]
        cls.clients = h.Clients()
        cls.broker = h.track(ah.Broker(
            env, name="valgrind", acl_files=[cls.acl],
            listeners=[{}, {"require_certificate": False}],
            plugin_opts=[("identity_map", cls.map), ("unmapped", "deny"), ("deny_list", cls.deny),
                         ("log_per_client", "1000"), ("session_owners_file", env.path("owners")),
                         ("session_owners_per_user", "3")],
            command_prefix=prefix, start_timeout=VG_START, stop_timeout=VG_STOP))
        t0 = time.monotonic()
        cls.broker.start()
        h.log("[valgrind] broker pid %d (under valgrind), ports %s, started in %.1f s; log %s"
              % (cls.broker.pid, cls.broker.ports, time.monotonic() - t0, cls.vg_log))

    @classmethod
    def tearDownClass(cls):
        if cls.clients:
            cls.clients.close()
        if cls.broker:
            cls.broker.stop()
        if cls.env:
            cls.env.cleanup()

    # slow broker: every connect and wait gets a larger bound
    def connect(self, cert, port=None, will=None, **kw):
        cl = ih.client(self.env, port or self.broker.port, cert, will=will, **kw)
        self.clients.add(cl)
        r = cl.connect(timeout=VG_WAIT)
        h.log("  connect cert=%s id=%s -> %r" % (cert, cl.client_id, r))
        return cl, r

    def ok(self, cert, **kw):
        cl, r = self.connect(cert, **kw)
        self.assertEqual(r.rc, 0, "%s should connect: %r" % (cert, r))
        return cl

    def refused(self, cert, why, **kw):
        since = self.broker.log_offset()
        cl, r = self.connect(cert, **kw)
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "%s should be refused: %r" % (cert, r))
        line = self.broker.wait_log(r"certacl: refused CONNECT from client '%s'.*%s"
                                    % (re.escape(cl.client_id), why), since, timeout=VG_WAIT)
        self.assertIsNotNone(line, "no refusal line (%s) for %s" % (why, cert))
        cl.close()

    def pub(self, cl, topic, allowed):
        rc = cl.publish(topic, "v", timeout=VG_WAIT)
        self.assertEqual(h.publish_allowed(rc), allowed, "%s publish %s: %s" % (cl.name, topic, h.rc_name(rc)))
        if not allowed:
            self.assertEqual(rc, h.RC_NOT_AUTHORIZED)

    def subscribe(self, cl, filt, want):
        codes = cl.subscribe(filt, timeout=VG_WAIT)
        rc = codes[0] if codes else None
        self.assertEqual(h.suback_granted(rc), want, "%s subscribe %s: %s" % (cl.name, filt, h.rc_name(rc)))

    def traffic(self, dev1, dev2, tag):
        """dev1 publishes, dev2 (group ops) receives; denials on both sides."""
        self.pub(dev1, "dev/dev1/x", True)
        self.pub(dev1, "dev/dev1/secret/x", False)
        self.pub(dev2, "dev/dev1/x", False)
        self.pub(dev1, "cid/%s/t" % dev1.client_id, True)
        self.pub(dev1, "dev/dev1/out", True)
        self.assertTrue(h.publish_allowed(dev1.publish("dev/dev1/data", tag, timeout=VG_WAIT)))
        got = dev2.wait_message(lambda m: m[1] == tag, timeout=VG_WAIT)
        self.assertIsNotNone(got, "dev2 did not receive %s" % tag)

    def churn(self, i):
        """A short-lived client and refused ones, between reloads."""
        c = self.ok("viewer")
        self.subscribe(c, "ops/viewer/#", True)
        self.subscribe(c, "secret/#", False)
        self.pub(c, "ops/viewer/x", True)
        self.pub(c, "dev/viewer/out", True)
        c.close()
        # a persistent session left offline: its owner is kept across the reloads (and
        # saved at shutdown); past session_owners_per_user the oldest is dropped
        p = self.ok("viewer", client_id=h.unique_id("vg-persist"), clean=False, session_expiry=3600)
        p.close()
        self.refused("unmapped1", "not in the identity map")
        if i % 40 == 0:
            self.refused("revoked1", "deny list")
            self.refused(None, "no client certificate", port=self.broker.ports[1])

    def reload(self, i):
        """Reload number i: even = good (A/B in turn), odd = broken (ACL, map, deny list
        in turn). Returns the seconds it took until the log line."""
        if i % 2 == 0:
            ih.write_atomic(self.acl, ACL_A if i % 4 == 0 else ACL_B)
            ih.write_atomic(self.map, MAP)
            ih.write_atomic(self.deny, self.deny_good)
            want = r"certacl: reloaded \d+ rules"
        else:
            kind = (i // 2) % 3
            if kind == 0:
                ih.write_atomic(self.acl, ACL_BROKEN)
            elif kind == 1:
                ih.write_atomic(self.map, MAP_BROKEN)
            else:
                ih.write_atomic(self.deny, self.deny_good + "serial not-hex-at-all\n")
            want = r"certacl: reload failed, keeping the previous policy"
        t0 = time.monotonic()
        since = self.broker.sighup()
        line = self.broker.wait_log(r"certacl: (reloaded|reload failed)", since, timeout=VG_WAIT)
        self.assertIsNotNone(line, "reload %d: no certacl reload line within %.0f s" % (i, VG_WAIT))
        self.assertRegex(line, want, "reload %d" % i)
        # mosquitto 2.0 logs the plugin's line from the middle of its reload block: it then
        # re-authenticates every client and only afterwards clears its reload flag, so a
        # SIGHUP sent before that is lost. A QoS 1 round trip is served by the main loop
        # after the block: once it is back, the next SIGHUP counts.
        rc = self.sync_client.publish("dev/dev1/sync", "r%d" % i, timeout=VG_WAIT)
        self.assertTrue(h.publish_allowed(rc), "reload %d: no PUBACK after it: %s" % (i, h.rc_name(rc)))
        return time.monotonic() - t0

    def test_reloads_under_valgrind(self):
        t_start = time.monotonic()
        dev1 = self.ok("dev1", client_id="vg-dev1")
        dev2 = self.ok("dev2", client_id="vg-dev2")
        self.subscribe(dev2, "dev/#", True)
        self.subscribe(dev1, "ops/#", False)
        self.subscribe(dev1, "cn/dev1/in", True)
        self.traffic(dev1, dev2, "before")
        self.refused("unmapped1", "not in the identity map")
        self.refused("revoked1", "deny list")
        self.refused(None, "no client certificate", port=self.broker.ports[1])
        self.refused("dev2", "in use", client_id="vg-dev1")       # takeover by another user
        self.sync_client = dev1
        h.log("  setup done in %.1f s" % (time.monotonic() - t_start))

        t0 = time.monotonic()
        times = []
        for i in range(RELOADS):
            times.append(self.reload(i))
            if i % 20 == 19:
                self.churn(i)
                self.traffic(dev1, dev2, "after-%d" % i)
        h.log("  %d reloads in %.1f s (per reload: max %.2f s, median %.2f s)"
              % (RELOADS, time.monotonic() - t0, max(times), sorted(times)[len(times) // 2]))
        ok_n = len(self.broker.find_log(r"certacl: reloaded \d+ rules"))
        failed_n = len(self.broker.find_log(r"certacl: reload failed"))
        h.log("  log: %d 'reloaded', %d 'reload failed'" % (ok_n, failed_n))
        self.assertEqual((ok_n, failed_n), ((RELOADS + 1) // 2, RELOADS // 2))

        # the connected clients survived every re-authentication; the last policy decides
        self.assertTrue(dev1.connected() and dev2.connected(), "a client was disconnected by a reload")
        self.traffic(dev1, dev2, "final")
        dev1.close()
        dev2.close()

        t0 = time.monotonic()
        rc = self.broker.stop()
        h.log("  broker stopped (exit %s) in %.1f s" % (rc, time.monotonic() - t0))
        self.assertEqual(rc, 0, "mosquitto under valgrind did not exit cleanly on SIGTERM")
        with open(self.vg_log, encoding="utf-8", errors="replace") as f:
            text = f.read()
        self.assertIn("HEAP SUMMARY", text, "valgrind wrote no leak report (did the broker exit?)")
        records = parse_valgrind(text)
        ours, others = classify(records, source_names())
        for m in re.finditer(r"(definitely|indirectly|possibly) lost: .*|ERROR SUMMARY: .*", text):
            h.log("  valgrind: %s" % m.group(0))
        if others:
            h.log("\n  %d record(s) not attributed to certacl (information only):" % len(others))
            for kind, rec in others:
                h.log("   [%s] %s" % (kind, rec[0]))
                for l in rec[1:6]:
                    h.log("       %s" % l)
        if ours:
            h.log("\n  %d record(s) attributed to certacl:" % len(ours))
            for kind, rec in ours:
                h.log("   [%s]\n      %s" % (kind, "\n      ".join(rec)))
        h.log("  total %.1f s" % (time.monotonic() - t_start))
        self.assertEqual([(k, r[0]) for k, r in ours], [],
                         "valgrind records attributed to certacl (see above; log %s)" % self.vg_log)


if __name__ == "__main__":
    h.main()
