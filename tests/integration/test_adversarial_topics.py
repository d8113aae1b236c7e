#!/usr/bin/env python3
"""Adversarial topics (issue 7 item 3; SPEC section 3; MOSQUITTO.md "ACL_CHECK").

- Empty levels: 'a//b', 'a/b/', '/a/b' are not 'a/b'; '+' matches one empty level;
  'p/#' covers 'p/' and 'p//' but not '/p'. Publish answers are those of mosquitto's own
  acl_file, so these publish cases cannot fail against stock mosquitto: they guard
  certacl's own level splitter and trie walk (a strtok-style splitter that drops empty
  levels would allow 'a//b' under 'topic readwrite a/b'). The SUBSCRIBE answers and the
  delivery filter fail against stock (which grants every SUBSCRIBE).
- A 65535-byte topic (the MQTT maximum): allowed and delivered in full under a 'big/#'
  grant, denied (PUBACK 0x87) elsewhere, with an audit line of bounded length; the same
  for a 65535-byte SUBSCRIBE filter; a 65535-byte topic of 32768 levels makes mosquitto
  itself drop the client (its topic hierarchy limit), and a 199-level topic is decided
  like any other. The broker answers another client throughout. (Stock mosquitto also
  survives these; they fail if certacl's decision recursed per level without bound, kept
  the topic in a fixed buffer, or logged it whole.)
- $SYS: publishing is denied even with a 'topic readwrite $SYS/#' rule (mosquitto denies
  it before any plugin, so that case cannot fail against stock; it shows no rule reopens
  it); SUBSCRIBE to $SYS/# is refused without a '$SYS' rule, also for a user with
  'topic readwrite #' ('#' never covers '$' topics) [fails against stock: SUBSCRIBE is
  always granted there], and granted with one (the retained $SYS/broker/version arrives).
- $CONTROL: publishing $CONTROL/... is denied without a rule that starts with
  '$CONTROL', even for 'topic readwrite #' users; allowed with one. (The same '$' rule as
  mosquitto's acl_file: fails if certacl let '#' match '$' topics.)
- $share: publishing to '$share/...' is denied (by mosquitto before any plugin: cannot
  fail against stock); SUBSCRIBE '$share/g/F' is decided as F: granted for a readable F,
  refused (0x87) for an unreadable one [fails against stock], and a granted '$share/g/#'
  still only delivers what the member may read.
"""

import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import advhelpers as ah  # noqa: E402

ACL = """# test_adversarial_topics
user alice
topic readwrite a/b
topic readwrite x/+/y
topic readwrite p/#
topic readwrite big/#
topic read r/#
topic write $CONTROL/allowed/#

user bob
topic readwrite #

user sysuser
topic readwrite $SYS/#
topic readwrite #
"""

MAXLEN = 65535


def setUpModule():
    global ENV, ACL_PATH
    ENV = h.CertEnv(["alice", "bob", "sysuser"])
    ACL_PATH = ENV.write("acl", ACL)


def tearDownModule():
    ENV.cleanup()


class Topics(ah.Case):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "topics", acl_files=[ACL_PATH], plugin_opts=[("log_per_client", "1000")])

    def round_trip(self, what, bound=2.0):
        """bob publishes to a topic he reads and gets it back within `bound` seconds."""
        if not getattr(self, "_probe", None) or not self._probe.connected():
            self._probe = self.connect_ok("bob", user="bob")
            self.sub(self._probe, "probe/#", True)
        type(self).seq += 1
        s = "rt-%d" % self.seq
        t0 = time.monotonic()
        rc = self._probe.publish("probe/rt", s, timeout=bound)
        got = self._probe.wait_message(lambda m: m[1] == s, timeout=bound)
        dt = time.monotonic() - t0
        h.log("  round trip %s: %.3f s" % (what, dt))
        self.assertTrue(h.publish_allowed(rc) and got is not None and dt <= bound,
                        "broker unresponsive %s: rc %s, got %s, %.2f s" % (what, h.rc_name(rc), got, dt))

    # ---- empty levels

    def test_empty_levels(self):
        # The publish answers equal stock mosquitto's (not a stock difference: they guard
        # certacl's own splitter/trie); the SUBSCRIBE answers fail against stock.
        alice = self.connect_ok("alice", user="alice")
        failures = []
        for t, want in [("a/b", True), ("a//b", False), ("a/b/", False), ("/a/b", False),
                        ("a/b//", False), ("x//y", True), ("x/y", False), ("x///y", False),
                        ("/x//y", False), ("p", True), ("p/", True), ("p//", True), ("p//q", True),
                        ("/p", False), ("//p", False)]:
            rc = alice.publish(t, "e")
            h.log("  alice publish %r -> %s (expected %s)" % (t, h.rc_name(rc), want))
            if h.publish_allowed(rc) != want or (not want and rc != h.RC_NOT_AUTHORIZED):
                failures.append("publish %r: expected %s, got %s" % (t, "allowed" if want else "0x87",
                                                                     h.rc_name(rc)))
        # (a filter is granted when it overlaps something readable: '+/a/b' and '+/p'
        # overlap p/#, 'x//+' overlaps x/+/y)
        for f, want in [("a//b", False), ("a/b/", False), ("/a/b", False), ("/#", False),
                        ("/+", False), ("//b", False), ("x//y", True), ("x/+/y", True),
                        ("x//+", True), ("x/+/+/y", False), ("p//#", True), ("p/", True),
                        ("/p", False), ("+/a/b", True), ("+/p", True), ("#", True)]:
            codes = alice.subscribe(f)
            rc = codes[0] if codes else None
            h.log("  alice subscribe %r -> %s (expected %s)" % (f, h.rc_name(rc), want))
            if h.suback_granted(rc) != want or (not want and rc != h.RC_NOT_AUTHORIZED):
                failures.append("subscribe %r: expected %s, got %s" % (f, "granted" if want else "0x87",
                                                                       h.rc_name(rc)))
        self.assertEqual(failures, [], "\n".join(failures))
        # delivery through the granted '#': only what alice may read
        bob = self.connect_ok("bob", user="bob")
        sent = ["a//b", "a/b/", "/a/b", "x//y", "x/y", "p/", "p//", "/p", "a/b"]
        for t in sent:
            self.assertTrue(h.publish_allowed(bob.publish(t, "from-bob " + t)), "bob publish %r" % t)
        self.sentinel(bob, alice, "p/end")
        # (one copy per matching subscription: compare the set of topics)
        got = sorted(set(m[0] for m in alice.received() if m[1].startswith("from-bob")))
        self.assertEqual(got, sorted(["x//y", "p/", "p//", "a/b"]),
                         "alice's '#' subscription delivered topics she may not read")

    # ---- long topics

    def test_max_length_topics(self):
        alice = ah.Raw(self.env, self.broker.port, cert="alice")
        self.assertEqual(alice.connect(b"long-alice"), 0)
        watcher = self.connect_ok("bob", user="bob")
        self.sub(watcher, "big/#", True)
        big = b"big/" + b"x" * (MAXLEN - 4)
        zz = b"zz/" + b"y" * (MAXLEN - 3)
        self.assertEqual(len(big), MAXLEN)
        rc = alice.publish(big, b"long-ok", qos=1)
        h.log("  alice publish big/xxx.. (%d bytes) -> %s" % (len(big), h.rc_name(rc)))
        self.assertTrue(h.publish_allowed(rc), "65535-byte topic under big/#: %s" % h.rc_name(rc))
        got = watcher.wait_message(lambda m: m[1] == "long-ok")
        self.assertIsNotNone(got, "the 65535-byte topic was not delivered")
        self.assertEqual(got[0].encode(), big, "delivered topic differs")
        since = self.broker.log_offset()
        rc = alice.publish(zz, b"long-denied", qos=1)
        h.log("  alice publish zz/yyy.. (%d bytes) -> %s" % (len(zz), h.rc_name(rc)))
        self.assertEqual(rc, h.RC_NOT_AUTHORIZED, "65535-byte topic without a rule: %s" % h.rc_name(rc))
        line = self.broker.wait_log(r"certacl: denied write on 'zz/yyy", since)
        self.assertIsNotNone(line, "no audit line for the denied long topic")
        h.log("  audit line: %d characters" % len(line))
        self.assertLess(len(line), 2000, "the audit line holds the whole topic")
        # 65535-byte filters
        self.assertTrue(h.suback_granted(alice.subscribe(big)), "65535-byte filter under big/#")
        self.assertEqual(alice.subscribe(zz), h.RC_NOT_AUTHORIZED, "65535-byte filter without a rule")
        self.round_trip("after 65535-byte topics")
        # many levels: 199 are decided; 32768 levels are mosquitto's to refuse
        deep_ok = b"big" + b"/a" * 198
        deep_no = b"zz" + b"/a" * 198
        self.assertTrue(h.publish_allowed(alice.publish(deep_ok, b"deep", qos=1)), "199 levels under big/#")
        self.assertEqual(alice.publish(deep_no, b"deep", qos=1), h.RC_NOT_AUTHORIZED, "199 levels, no rule")
        self.assertIsNotNone(watcher.wait_message(lambda m: m[1] == "deep"), "199-level topic not delivered")
        for t in (b"big" + b"/a" * ((MAXLEN - 3) // 2), b"/" * MAXLEN):
            c = ah.Raw(self.env, self.broker.port, cert="alice")
            self.assertEqual(c.connect(b"deep-alice"), 0)
            rc = c.publish(t, b"x", qos=1)
            h.log("  publish %d levels -> %s (%s)" % (t.count(b"/") + 1, h.rc_name(rc), c.error))
            self.assertNotIn(rc, (0, 0x10), "a 32768-level topic was accepted")
            c.close()
            self.round_trip("after a %d-level topic" % (t.count(b"/") + 1))
        self.assertTrue(alice.ping(), "alice's connection stopped answering")
        alice.disconnect()

    # ---- $SYS, $CONTROL, $share

    def test_sys(self):
        alice = self.connect_ok("alice", user="alice")
        bob = self.connect_ok("bob", user="bob")
        sysu = self.connect_ok("sysuser", user="sysuser")
        # denied by mosquitto before any plugin (cannot fail against stock), even for
        # sysuser's 'topic readwrite $SYS/#'
        for cl in (alice, bob, sysu):
            self.assert_pub(cl, "$SYS/broker/uptime", allowed=False)
            self.assert_pub(cl, "$SYS/certacl/x", allowed=False)
        self.sub(alice, "$SYS/#", False)
        self.sub(bob, "$SYS/#", False)
        self.sub(bob, "$SYS/broker/version", False)
        self.sub(bob, "#", True)
        self.sub(sysu, "$SYS/broker/version", True)
        got = sysu.wait_message(lambda m: m[0] == "$SYS/broker/version")
        h.log("  sysuser got %s" % (got,))
        self.assertIsNotNone(got, "a '$SYS' rule should let sysuser read $SYS/broker/version")
        self.sentinel(bob, bob, "probe/sys")
        leaked = [m for m in bob.received() if m[0].startswith("$")]
        self.assertEqual(leaked, [], "bob ('readwrite #') received $ topics: %s" % leaked)

    def test_control(self):
        # Same answers as stock acl_file ('$' topics match only '$' rules): fails if
        # certacl let '#' or '+' match a '$CONTROL' level.
        alice = self.connect_ok("alice", user="alice")
        bob = self.connect_ok("bob", user="bob")
        for t in ("$CONTROL/dynamic-security/v1", "$CONTROL/broker/v1", "$CONTROL/allowed/x"):
            self.assert_pub(bob, t, allowed=False)
        self.assert_pub(alice, "$CONTROL/dynamic-security/v1", allowed=False)
        self.assert_pub(alice, "$CONTROL/allowed/x", allowed=True)
        self.sub(bob, "$CONTROL/#", False)

    def test_share(self):
        alice = self.connect_ok("alice", user="alice")
        bob = self.connect_ok("bob", user="bob")
        # publishing to $share/...: denied by mosquitto before any plugin (cannot fail
        # against stock); the SUBSCRIBE checks below fail against stock
        for cl in (alice, bob):
            self.assert_pub(cl, "$share/g/r/x", allowed=False)
            self.assert_pub(cl, "$share/g/p/x", allowed=False)
        self.sub(alice, "$share/g/r/#", True)
        self.sub(alice, "$share/g/q/#", False)
        self.sub(alice, "$share/h/q/1", False)
        self.sub(alice, "$share/g2/#", True)       # overlaps r/#, p/#...: filtered at delivery
        for t in ("r/1", "q/1", "p/1"):
            self.assertTrue(h.publish_allowed(bob.publish(t, "share " + t)), "bob publish %s" % t)
        self.sentinel(bob, alice, "p/end")
        got = sorted(m[0] for m in alice.received() if m[1].startswith("share "))
        h.log("  alice received through $share: %s" % got)
        self.assertNotIn("q/1", got, "a shared subscription delivered an unreadable topic")
        self.assertIn("r/1", got, "control: r/1 should arrive through $share/g/r/#")


if __name__ == "__main__":
    h.main()
