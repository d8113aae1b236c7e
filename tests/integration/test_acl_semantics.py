#!/usr/bin/env python3
"""ACL semantics that only a real broker shows (SPEC sections 2 and 3):

- delivery is filtered by READ checks under a wide granted subscription;
- an explicit deny wins over allows, also a pattern deny over a user's topic allow
  (stricter than mosquitto on purpose);
- SUBSCRIBE is refused when the filter cannot match a readable topic ($ topics only
  match $ rules);
- retained messages sent on subscribe are READ-checked;
- %u / %c patterns; a client id with '/' gets nothing from a %c pattern;
- a will reaches subscribers only if its topic is writable by the client's user;
- client-id binding (default "owned"): another user cannot take over a live client id
  (and fire its will); the same user can.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

ACL = """# test_acl_semantics
user writer
topic write #

user reader
topic read a/#
topic deny a/secret/#
topic read wills/#

user willer
topic write wills/ok

pattern readwrite dev/%u/#
pattern read cid/%c/in
pattern deny a/%u/private
"""

RID = "rid-1"  # the reader's client id


class AclSemantics(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = h.CertEnv(["writer", "reader", "willer"])
        acl = cls.env.write("acl", ACL)
        cls.broker = h.track(h.Broker(cls.env, acl_files=[acl]))
        cls.broker.start()
        cls.clients = h.Clients()

    @classmethod
    def tearDownClass(cls):
        cls.clients.close()
        cls.broker.stop()
        cls.env.cleanup()

    def connect(self, cert, expect=0, **kw):
        cl, r = h.connect(self.env, self.broker.port, cert, **kw)
        self.clients.add(cl)
        if expect is not None:
            self.assertEqual(r.rc, expect, "%s %s: %r" % (cert, kw, r))
        return cl

    def sub(self, cl, f):
        codes = cl.subscribe(f)
        self.assertIsNotNone(codes, "no SUBACK for %s" % f)
        return codes[0]

    def test_subscribe_checks(self):
        r = self.connect("reader", client_id=RID + "-s")
        failures = []
        for f, want in [("a/#", True), ("#", True), ("+/x", True), ("b/#", False),
                        ("a/secret/#", False), ("$SYS/#", False), ("$SYS/broker/uptime", False),
                        ("cid/%s-s/in" % RID, True), ("cid/other/in", False),
                        ("$share/g/a/#", True), ("$share/g/b/#", False)]:
            rc = self.sub(r, f)
            if h.suback_granted(rc) != want or (not want and rc != h.RC_NOT_AUTHORIZED):
                failures.append("reader subscribe %s: expected %s, got %s"
                                % (f, "granted" if want else "0x87", h.rc_name(rc)))
        self.assertEqual(failures, [], "\n".join(failures))

    def test_delivery_filtered_and_deny_wins(self):
        w = self.connect("writer")
        r = self.connect("reader", client_id=RID)
        self.assertTrue(h.suback_granted(self.sub(r, "#")))
        topics = ["a/x", "a/secret/y", "a/reader/private", "b/z", "wills/x",
                  "cid/%s/in" % RID, "cid/other/in"]
        for t in topics:
            rc = w.publish(t, t)
            self.assertTrue(h.publish_allowed(rc), "writer publish %s: %s" % (t, h.rc_name(rc)))
        self.assertTrue(h.publish_allowed(w.publish("a/end", "end")))
        self.assertIsNotNone(r.wait_message(lambda m: m[1] == "end"), "reader did not get a/end")
        h.wait_until(lambda: False, h.QUIET)
        got = sorted(m[0] for m in r.received() if m[1] != "end")
        self.assertEqual(got, sorted(["a/x", "wills/x", "cid/%s/in" % RID]),
                         "a/secret/y (topic deny), a/reader/private (pattern deny wins over "
                         "'topic read a/#'), b/z and cid/other/in (no rule) must not arrive")

    def test_retained_checked(self):
        w = self.connect("writer")
        self.assertTrue(h.publish_allowed(w.publish("a/ret", "visible", retain=True)))
        self.assertTrue(h.publish_allowed(w.publish("a/secret/ret", "hidden", retain=True)))
        r = self.connect("reader")
        self.assertTrue(h.suback_granted(self.sub(r, "a/#")))
        m = r.wait_message(lambda m: m[0] == "a/ret")
        self.assertIsNotNone(m, "retained a/ret not delivered")
        self.assertTrue(m[3], "a/ret should arrive with the retain flag")
        h.wait_until(lambda: False, h.QUIET)
        self.assertEqual([m[0] for m in r.received()], ["a/ret"], "a/secret/ret is denied")

    def test_patterns(self):
        wl = self.connect("willer")
        self.assertTrue(h.publish_allowed(wl.publish("dev/willer/temp", "1")), "%u pattern")
        self.assertEqual(wl.publish("dev/writer/temp", "1"), h.RC_NOT_AUTHORIZED, "other user's %u")
        self.assertEqual(wl.publish("wills/other", "1"), h.RC_NOT_AUTHORIZED)
        # A client id with '/' would add levels in mosquitto; certacl grants nothing.
        r = self.connect("reader", client_id="r/1")
        self.assertEqual(self.sub(r, "cid/r/1/in"), h.RC_NOT_AUTHORIZED,
                         "%c holding '/' must grant nothing")
        r2 = self.connect("reader", client_id="r2")
        self.assertTrue(h.suback_granted(self.sub(r2, "cid/r2/in")), "%c pattern")

    def wait_gone(self, cl):
        return self.broker.wait_log(h.gone_pattern(cl.client_id))

    def test_will_checked(self):
        r = self.connect("reader")
        self.assertTrue(h.suback_granted(self.sub(r, "wills/#")))
        bad = self.connect("willer", will=("wills/bad", "bad will", 1, False))
        bad.drop()
        self.assertIsNotNone(self.wait_gone(bad), "the broker did not see the drop")
        good = self.connect("willer", will=("wills/ok", "good will", 1, False))
        good.drop()
        self.assertIsNotNone(r.wait_message(lambda m: m[1] == "good will"),
                             "a will on a writable topic was not delivered")
        h.wait_until(lambda: False, h.QUIET)
        self.assertEqual([m[1] for m in r.received()], ["good will"],
                         "a will on a topic its user may not write was delivered")

    def test_client_id_takeover(self):
        r = self.connect("reader")
        self.assertTrue(h.suback_granted(self.sub(r, "a/#")))
        w1 = self.connect("writer", client_id="plc-1", will=("a/death", "NDEATH", 1, False))
        since = self.broker.log_offset()
        self.connect("reader", client_id="plc-1", expect=h.RC_NOT_AUTHORIZED)
        self.assertIsNotNone(self.broker.wait_log(r"certacl: refused CONNECT", since, timeout=2))
        # w1 survives, its will was not fired
        self.assertTrue(h.publish_allowed(w1.publish("a/end", "end1")))
        self.assertIsNotNone(r.wait_message(lambda m: m[1] == "end1"))
        h.wait_until(lambda: False, h.QUIET)
        self.assertTrue(w1.connected(), "another user took over the client id")
        self.assertNotIn("NDEATH", r.payloads(), "the will was fired by a refused takeover")
        # the same user may take over its own client id (reconnect); the will is then sent
        self.connect("writer", client_id="plc-1")
        self.assertTrue(w1.wait_disconnected(), "same-user takeover did not replace the old connection")
        self.assertIsNotNone(r.wait_message(lambda m: m[1] == "NDEATH"), "will not sent on takeover")


if __name__ == "__main__":
    h.main()
