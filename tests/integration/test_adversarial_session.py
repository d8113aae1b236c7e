#!/usr/bin/env python3
"""Adversarial wills and client-id takeover (issue 7 item 3; SPEC sections 2 and 3).

Wills (the broker checks a will when it sends it, with no certificate at hand; certacl
decides by the username it set at CONNECT). Each client is killed by closing its socket
(no DISCONNECT), the broker's log shows the drop, then a sentinel is published on a topic
the observer reads; after it arrives and a quiet period, the will must not have come.
- a will on a topic its user may not write: not delivered, and not retained either
  [the same in stock mosquitto, which also checks a will when it sends it: this case
  fails if certacl allowed a WRITE without a rule, e.g. for a client it cannot match];
- a will reached through a client id with '/' under `pattern readwrite devices/%c/#`
  (client id 'a/b', will on devices/a/b/state): not delivered [fails against stock
  mosquitto, whose text substitution grants devices/a/b/#];
- a will sent with another user's name as MQTT username (one who may write the will
  topic): not delivered (the certificate decides) [cannot fail against
  CERTACL_TEST_STOCK=1: use_identity_as_username also ignores the sent name];
- controls: a will on a writable topic, and through the client id 'a', arrives.

Client-id takeover (`plugin_opt_clientid owned`, the default):
- another user's CONNECT with the id of a live connection is refused (CONNACK 0x87,
  log line), also with clean_start false + a session expiry and with the owner's name
  as username; the owner stays connected, its subscription keeps delivering, its will
  is not sent, and its persistent session is intact: after a clean disconnect and a
  reconnect with clean_start false it finds its session (session present) and the
  message queued meanwhile [fails against stock: the takeover succeeds and fires the
  will];
- an offline session (no live connection) is not protected by the binding (SPEC 2:
  "live connection"): another user may connect with that id and resume it, but the
  messages queued for the owner are READ-checked for the new user and none is delivered
  to it (mosquitto's READ check at delivery; the same in stock mosquitto).
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402
import advhelpers as ah  # noqa: E402

ACL = """# test_adversarial_session
pattern readwrite devices/%c/#

user observer
topic read #

user writer
topic write wills/#

user nowrite
topic read wills/#

user owner
topic read secret/#
topic readwrite own/#

user attacker
topic read public/#
topic readwrite att/#

user publisher
topic write #
"""


def setUpModule():
    global ENV, ACL_PATH
    ENV = h.CertEnv(["observer", "writer", "nowrite", "owner", "attacker", "publisher"])
    ACL_PATH = ENV.write("acl", ACL)


def tearDownModule():
    ENV.cleanup()


class Wills(ah.Case):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "wills", acl_files=[ACL_PATH], plugin_opts=[("log_per_client", "1000")])

    def setUp(self):
        self.obs = self.connect_ok("observer", user="observer")
        self.sub(self.obs, "#", True)
        self.pub = self.connect_ok("publisher", user="publisher")

    def kill(self, cl):
        """Close the client's socket without DISCONNECT; wait until the broker saw it."""
        since = self.broker.log_offset()
        ih.abort(cl)
        line = self.broker.wait_log(r"(Socket error on client|Client) %s[ ,]" % re.escape(cl.client_id), since)
        h.log("  %s dropped; broker: %s" % (cl.client_id, line))
        self.assertIsNotNone(line, "the broker did not notice that %s dropped" % cl.client_id)

    def wills_seen(self, payload):
        return [m for m in self.obs.received() if m[1] == payload]

    def assert_no_will(self, payload):
        self.sentinel(self.pub, self.obs, "sentinel/wills")
        seen = self.wills_seen(payload)
        self.assertEqual(seen, [], "a will its user may not write was delivered: %s" % seen)

    def assert_will(self, payload):
        got = self.obs.wait_message(lambda m: m[1] == payload)
        self.assertIsNotNone(got, "control: the will %r did not arrive" % payload)

    def test_will_on_unwritable_topic(self):
        cl = self.connect_ok("nowrite", user="nowrite", will=("wills/x", "W-unwritable", 1, True))
        self.kill(cl)
        self.assert_no_will("W-unwritable")
        # not retained either: a new subscriber gets nothing on wills/x
        late = self.connect_ok("observer", user="observer")
        self.sub(late, "wills/x", True)
        self.sub(late, "sentinel/#", True)
        self.sentinel(self.pub, late, "sentinel/late")
        self.assertEqual([m for m in late.received() if m[0] == "wills/x"], [], "the refused will was retained")
        # control
        ok = self.connect_ok("writer", user="writer", will=("wills/ok", "W-writable", 1, False))
        self.kill(ok)
        self.assert_will("W-writable")

    def test_will_through_client_id_with_slash(self):
        cl = self.connect_ok("nowrite", user="nowrite", client_id="a/b",
                             will=("devices/a/b/state", "W-slash", 1, False))
        self.kill(cl)
        self.assert_no_will("W-slash")
        ok = self.connect_ok("nowrite", user="nowrite", client_id="a",
                             will=("devices/a/state", "W-a", 1, False))
        self.kill(ok)
        self.assert_will("W-a")

    def test_will_with_forged_username(self):
        # cannot fail against CERTACL_TEST_STOCK=1 (use_identity_as_username also ignores
        # the sent name); fails if certacl decided wills by the sent username
        cl = self.connect_ok("nowrite", user="nowrite", username="writer", password="x",
                             will=("wills/forged", "W-forged", 1, False))
        self.kill(cl)
        self.assert_no_will("W-forged")


class Takeover(ah.Case):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "takeover", acl_files=[ACL_PATH])

    def session_client(self, cert, cid, **kw):
        cl = ah.SessionClient(self.env, self.broker.port, cert, client_id=cid, **kw)
        self.clients.add(cl)
        r = cl.connect()
        h.log("  session connect %s id=%s -> %r, session present %s" % (cert, cid, r, cl.session_present))
        return cl, r

    def test_live_takeover_refused_session_kept(self):
        cid = h.unique_id("plc")
        obs = self.connect_ok("observer", user="observer")
        self.sub(obs, "#", True)
        pub = self.connect_ok("publisher", user="publisher")
        owner, r = self.session_client("owner", cid)
        self.assertEqual(r.rc, 0)
        self.sub(owner, "secret/#", True)
        # attempts by another user while the owner is live
        for kw in ({}, {"username": "owner", "password": "x"}):
            since = self.broker.log_offset()
            att, r = self.session_client("attacker", cid, **kw)
            self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "takeover by another user: %r" % r)
            line = self.broker.wait_log(r"certacl: refused CONNECT from client '%s'.*in use" % re.escape(cid), since)
            self.assertIsNotNone(line, "no refusal line for the takeover")
            att.close()
        self.assertTrue(owner.connected(), "the owner was disconnected by a refused takeover")
        self.assertTrue(h.publish_allowed(pub.publish("secret/1", "S1")))
        self.assertIsNotNone(owner.wait_message(lambda m: m[1] == "S1"), "the owner's subscription stopped")
        # the owner's session survives: disconnect cleanly (session kept), queue a message,
        # reconnect without clean start
        owner.close()
        self.assertIsNotNone(self.broker.wait_log(h.gone_pattern(cid)))
        self.assertTrue(h.publish_allowed(pub.publish("secret/2", "S2-queued")))
        again, r = self.session_client("owner", cid)
        self.assertEqual(r.rc, 0)
        self.assertTrue(again.session_present, "the owner's session was lost")
        self.assertIsNotNone(again.wait_message(lambda m: m[1] == "S2-queued"),
                             "the message queued for the owner was not delivered")

    def test_live_takeover_does_not_fire_will(self):
        cid = h.unique_id("node")
        obs = self.connect_ok("observer", user="observer")
        self.sub(obs, "#", True)
        owner = self.connect_ok("owner", user="owner", client_id=cid, will=("own/death", "W-" + cid, 1, False))
        att, r = self.connect("attacker", client_id=cid)
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED)
        self.sentinel(owner, obs, "own/alive")
        self.assertEqual([m for m in obs.received() if m[1] == "W-" + cid], [],
                         "a refused takeover fired the owner's will")
        self.assertTrue(owner.connected())

    def test_offline_session_queued_messages_not_leaked(self):
        # mosquitto's READ check of queued messages (the same in stock): fails if the
        # plugin allowed a READ for a user without a rule (e.g. deciding by client id or
        # by what the previous session owner could read)
        cid = h.unique_id("plc-off")
        pub = self.connect_ok("publisher", user="publisher")
        owner, r = self.session_client("owner", cid)
        self.assertEqual(r.rc, 0)
        self.sub(owner, "secret/#", True)
        owner.close()
        self.assertIsNotNone(self.broker.wait_log(h.gone_pattern(cid)))
        for i in range(3):
            self.assertTrue(h.publish_allowed(pub.publish("secret/q%d" % i, "Q%d" % i)))
        att, r = self.session_client("attacker", cid)
        h.log("  another user on the offline session: %r (not protected: no live connection)" % r)
        if r.rc == 0:
            self.sub(att, "att/#", True)
            self.sentinel(pub, att, "att/s")
            leaked = [m for m in att.received() if m[0].startswith("secret/")]
            self.assertEqual(leaked, [], "the owner's queued messages reached another user: %s" % leaked)
            # and while it holds the session, new secret messages are not delivered to it
            self.assertTrue(h.publish_allowed(pub.publish("secret/live", "QL")))
            self.sentinel(pub, att, "att/s2")
            self.assertEqual([m for m in att.received() if m[0].startswith("secret/")], [])


if __name__ == "__main__":
    h.main()
