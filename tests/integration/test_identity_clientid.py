#!/usr/bin/env python3
"""Client-id binding (issue 3 item 5; SPEC section 2).

`plugin_opt_clientid owned` (the default, not configured here):
- victim (user nodeA, client id X, will on spBv1.0/G1/NDEATH/nodeA) is connected, an
  observer subscribes spBv1.0/#; an attacker with user nodeB's valid certificate
  connects with client id X: CONNACK 0x87 + log line; the victim is still connected
  (its QoS 1 publish gets PUBACK 0x00/0x10); NO will reaches the observer (checked after
  a sentinel message and a quiet period); a second attempt, with username "nodeA" sent,
  is refused too;
- control: when the victim's connection then drops, the observer does get the will (the
  will and the observer work, so "no will" above means something); once X is no longer
  live, another user may use it;
- the same user reconnecting with its own client id is a normal takeover: accepted, and
  the old connection is closed.
`plugin_opt_clientid any` (control for the attack): the takeover succeeds, the victim is
disconnected and its will is published (what stock mosquitto does).
`plugin_opt_clientid equal`: the client id must be the username.
`plugin_opt_clientid prefix`: the client id must be the username or start with it plus a
non-alphanumeric separator ("user1-a" yes, "user1x"/"user10" no).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

ACL = """user nodeA
topic readwrite spBv1.0/G1/+/nodeA

user nodeB
topic readwrite spBv1.0/G1/+/nodeB

user observer
topic read spBv1.0/#

user user1
topic readwrite u/user1/#

user user10
topic readwrite u/user10/#
"""

WILL_TOPIC = "spBv1.0/G1/NDEATH/nodeA"
DATA_TOPIC = "spBv1.0/G1/NDATA/nodeA"


def setUpModule():
    global ENV, ACL_PATH
    ENV = h.CertEnv(["nodeA", "nodeB", "observer", "user1", "user10"])
    ACL_PATH = ENV.write("acl", ACL)


def tearDownModule():
    ENV.cleanup()


class TakeoverCase(ih.Case):
    seq = 0

    def observer(self):
        obs = self.connect_ok("observer", user="observer")
        codes = obs.subscribe("spBv1.0/#")
        h.log("  observer subscribe spBv1.0/# -> %s" % codes)
        self.assertTrue(codes and h.suback_granted(codes[0]), "observer subscribe: %s" % codes)
        return obs

    def victim(self, client_id, will_payload):
        return self.connect_ok("nodeA", user="nodeA", client_id=client_id,
                               will=(WILL_TOPIC, will_payload, 1, False))

    def sentinel(self, publisher, obs):
        """Publish a sentinel on DATA_TOPIC and wait until the observer has it: anything
        the broker published before it has been delivered by then."""
        type(self).seq += 1
        s = "sentinel-%d" % self.seq
        rc = publisher.publish(DATA_TOPIC, s)
        self.assertTrue(h.publish_allowed(rc), "sentinel publish: %s" % h.rc_name(rc))
        got = obs.wait_message(lambda m: m[1] == s)
        self.assertIsNotNone(got, "observer did not receive the sentinel %s" % s)
        h.wait_until(lambda: False, h.QUIET)

    def wills(self, obs, payload):
        return [m for m in obs.received(WILL_TOPIC) if m[1] == payload]


class Owned(TakeoverCase):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "owned", acl_files=[ACL_PATH])

    def test_takeover_by_other_user_refused(self):
        obs = self.observer()
        xid = h.unique_id("edge-X")
        will = "will-of-victim-" + xid
        victim = self.victim(xid, will)

        line = self.assert_refused("nodeB", why=r"in use", client_id=xid)
        self.assertIn("another user", line)
        # the victim is still there and can publish
        self.assert_still_connected(victim, DATA_TOPIC, "after the takeover attempt")
        # no will (a sentinel published after the attempt has arrived: the will would have
        # arrived before it)
        self.sentinel(victim, obs)
        seen = self.wills(obs, will)
        h.log("  observer messages: %s" % obs.received())
        self.assertEqual(seen, [], "the takeover attempt fired the victim's will: %s" % seen)

        # sending the victim's username changes nothing
        self.assert_refused("nodeB", why=r"in use", client_id=xid, username="nodeA", password="x")
        self.assert_still_connected(victim, DATA_TOPIC, "after the second attempt")
        self.sentinel(victim, obs)
        self.assertEqual(self.wills(obs, will), [], "second attempt fired the will")

        # control: the will does fire when the victim's connection drops
        ih.abort(victim)
        got = obs.wait_message(lambda m: m[0] == WILL_TOPIC and m[1] == will)
        h.log("  after the victim's connection dropped, observer got: %s" % (got,))
        self.assertIsNotNone(got, "no will after the victim's connection dropped: the will "
                             "check above proves nothing")
        # the id is no longer live: another user may use it now
        h.wait_until(lambda: self.broker.find_log(r"Client %s .*(closed|disconnected)" % xid)
                     or self.broker.find_log(r"Socket error on client %s" % xid), h.WAIT)
        self.connect_ok("nodeB", user="nodeB", client_id=xid)

    def test_same_user_takeover_allowed(self):
        obs = self.observer()
        yid = h.unique_id("edge-Y")
        old = self.victim(yid, "will-of-old-" + yid)
        new = self.connect_ok("nodeA", user="nodeA", client_id=yid)
        gone = old.wait_disconnected()
        h.log("  old connection closed by the takeover: %s" % gone)
        self.assertTrue(gone, "the old connection of nodeA is still open after nodeA took its id over")
        self.assert_still_connected(new, DATA_TOPIC, "after the takeover")
        h.log("  observer messages: %s" % obs.received())
        # and the new owner is protected in turn
        self.assert_refused("nodeB", why=r"in use", client_id=yid)
        self.assert_still_connected(new, DATA_TOPIC, "after nodeB's attempt")


class AnyControl(TakeoverCase):
    """plugin_opt_clientid any: the attack works, as with stock mosquitto."""

    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "any", acl_files=[ACL_PATH], plugin_opts=[("clientid", "any")])

    def test_takeover_succeeds_and_fires_will(self):
        obs = self.observer()
        xid = h.unique_id("edge-X")
        will = "will-of-victim-" + xid
        victim = self.victim(xid, will)
        self.connect_ok("nodeB", user="nodeB", client_id=xid)
        gone = victim.wait_disconnected()
        h.log("  victim disconnected by the takeover: %s" % gone)
        self.assertTrue(gone, "clientid any: the victim should have been taken over")
        got = obs.wait_message(lambda m: m[0] == WILL_TOPIC and m[1] == will)
        h.log("  observer got: %s" % (got,))
        self.assertIsNotNone(got, "clientid any: the takeover should fire the victim's will")


class Equal(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "equal", acl_files=[ACL_PATH], plugin_opts=[("clientid", "equal")])

    def test_equal(self):
        cl = self.connect_ok("user1", user="user1", client_id="user1")
        self.assert_pub(cl, "u/user1/x", allowed=True)
        for cid in ("user1-a", "user10", "xuser1", "user", "User1"):
            self.assert_refused("user1", why=r"equal the username", client_id=cid)
        # user10's own id is fine for user10 (and only for it)
        self.connect_ok("user10", user="user10", client_id="user10")


class Prefix(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "prefix", acl_files=[ACL_PATH], plugin_opts=[("clientid", "prefix")])

    def test_prefix(self):
        for cid in ("user1", "user1-a", "user1.b", "user1_c", "user1/d"):
            cl = self.connect_ok("user1", user="user1", client_id=cid)
            self.assert_pub(cl, "u/user1/x", allowed=True)
            cl.close()
        # no separator after the username: refused (user1 cannot pose as user10)
        for cid in ("user1x", "user10", "user10-a", "xuser1", "user", "USER1-a"):
            self.assert_refused("user1", why=r"prefix", client_id=cid)
        self.connect_ok("user10", user="user10", client_id="user10-a")


if __name__ == "__main__":
    h.main()
