#!/usr/bin/env python3
"""The reference scenario (SPEC section 1): the operator's seed ACL file, unchanged, with
clients known by their certificate alone (CN = username; no passwords).

Checks, against a broker running certacl with acl-examples/seed/acl:
- every certificate connects (unmapped: allow), with its CN as username;
- who may publish what (QoS 1 PUBACK reason codes);
- which subscriptions are granted (SUBACK) and who receives which message;
- denials are logged ("certacl: denied").
"""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

USERS = ["MyEACM", "SparkplugViewer", "HMI", "Stranger"]

# What the seed file grants (the expected decisions), per user.
READ = {
    "MyEACM": ["STATE/+", "spBv1.0/#"],
    "SparkplugViewer": ["STATE/+", "spBv1.0/#"],
    "HMI": ["STATE/+", "spBv1.0/#"],
    "Stranger": [],
}
WRITE = {
    "MyEACM": ["spBv1.0/#"],
    "SparkplugViewer": [],
    "HMI": ["STATE/+", "spBv1.0/#"],
    "Stranger": [],
}

# Topics every user tries to publish on.
TOPICS = [
    "STATE/host1",
    "spBv1.0/G1/NDATA/E1",
    "spBv1.0/G1/DCMD/E1/D1",
    "STATE/host1/extra",     # not matched by STATE/+
    "other/topic",
]

# Filters every user tries to subscribe to, alone.
FILTERS = ["STATE/+", "spBv1.0/#", "spBv1.0/G1/NCMD/E1", "#", "STATE/#", "other/#", "STATE/host1/x"]

SENTINEL_TOPIC = "spBv1.0/sentinel/end"


def matches(filt, topic):
    return h.mqtt.topic_matches_sub(filt, topic)


def may(rules, topic):
    return any(matches(f, topic) for f in rules)


def filter_overlaps(user, filt):
    """Expected SUBSCRIBE decision: granted when the filter can match a readable topic.

    Worked out by hand for the filters used here (the seed rules are simple)."""
    readable = {
        "STATE/+": True, "spBv1.0/#": True, "spBv1.0/G1/NCMD/E1": True, "#": True,
        "STATE/#": True, "other/#": False, "STATE/host1/x": False,
    }
    return bool(READ[user]) and readable[filt]


class SeedAcl(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = h.CertEnv(USERS)
        cls.broker = h.track(h.Broker(cls.env, acl_files=[h.SEED_ACL]))
        cls.broker.start()
        cls.clients = h.Clients()

    @classmethod
    def tearDownClass(cls):
        cls.clients.close()
        cls.broker.stop()
        cls.env.cleanup()

    def connect(self, user, **kw):
        cl, r = h.connect(self.env, self.broker.port, user, **kw)
        self.clients.add(cl)
        return cl, r

    def test_1_connect_as_cn(self):
        for user in USERS:
            cl, r = self.connect(user)
            self.assertEqual(r.rc, 0, "%s should connect: %r" % (user, r))
            name = h.wait_until(lambda: h.connected_as(self.broker, cl.client_id))
            self.assertEqual(name, user, "%s should be known by its CN" % user)
            cl.close()
        self.assertEqual(self.broker.find_log(r"certacl: refused CONNECT"), [])

    def test_2_subscribe(self):
        rows = []
        failures = []
        for user in USERS:
            cl, r = self.connect(user)
            self.assertEqual(r.rc, 0, "%s: %r" % (user, r))
            row = [user]
            for f in FILTERS:
                codes = cl.subscribe(f)
                self.assertIsNotNone(codes, "%s: no SUBACK for %s" % (user, f))
                got = h.suback_granted(codes[0])
                want = filter_overlaps(user, f)
                row.append(("granted" if got else "REFUSED") + " (%s)" % h.rc_name(codes[0]).split()[0])
                if got != want:
                    failures.append("%s subscribe %s: expected %s, got %s"
                                    % (user, f, "granted" if want else "refused", h.rc_name(codes[0])))
                elif not got and codes[0] != h.RC_NOT_AUTHORIZED:
                    failures.append("%s subscribe %s: refused with %s, expected 0x87"
                                    % (user, f, h.rc_name(codes[0])))
            rows.append(row)
            cl.close()
        h.print_table("SUBSCRIBE decisions (seed ACL)", ["user"] + FILTERS, rows)
        self.assertEqual(failures, [], "\n".join(failures))

    def test_3_publish_and_deliver(self):
        # One connection per user: subscribes to what it may read, then publishes.
        cls = {}
        failures = []
        for user in USERS:
            cl, r = self.connect(user)
            self.assertEqual(r.rc, 0, "%s: %r" % (user, r))
            codes = cl.subscribe(["STATE/+", "spBv1.0/#"])
            self.assertIsNotNone(codes, "%s: no SUBACK" % user)
            want = bool(READ[user])
            if [h.suback_granted(c) for c in codes] != [want, want]:
                failures.append("%s subscribe STATE/+, spBv1.0/#: expected %s, got %s"
                                % (user, "granted" if want else "refused", [h.rc_name(c) for c in codes]))
            cls[user] = cl

        since = self.broker.log_offset()
        pub_rows = []
        for user in USERS:
            row = [user]
            for t in TOPICS:
                rc = cls[user].publish(t, "%s|%s" % (user, t))
                self.assertIsNotNone(rc, "%s publish %s: no PUBACK" % (user, t))
                got = h.publish_allowed(rc)
                want = may(WRITE[user], t)
                row.append(("allowed" if got else "DENIED") + " (%s)" % h.rc_name(rc).split()[0])
                if got != want:
                    failures.append("%s publish %s: expected %s, got %s"
                                    % (user, t, "allowed" if want else "denied", h.rc_name(rc)))
                elif not got and rc != h.RC_NOT_AUTHORIZED:
                    failures.append("%s publish %s: denied with %s, expected 0x87" % (user, t, h.rc_name(rc)))
            pub_rows.append(row)
        h.print_table("PUBLISH decisions, QoS 1 PUBACK (seed ACL)", ["user"] + TOPICS, pub_rows)

        # Sentinel: once it has arrived, every earlier message would have arrived too.
        self.assertTrue(h.publish_allowed(cls["HMI"].publish(SENTINEL_TOPIC, "sentinel")))
        for user in USERS:
            if READ[user]:
                self.assertIsNotNone(cls[user].wait_message(lambda m: m[1] == "sentinel"),
                                     "%s did not receive the sentinel" % user)
        h.wait_until(lambda: False, h.QUIET)  # grace for what must not arrive

        rcv_rows = []
        for user in USERS:
            got = set(p for p in cls[user].payloads() if p != "sentinel")
            want = set("%s|%s" % (p, t) for p in USERS for t in TOPICS
                       if may(WRITE[p], t) and may(READ[user], t))
            rcv_rows.append([user, ", ".join(sorted(got)) or "(nothing)"])
            if got != want:
                failures.append("%s received %s, expected %s (missing %s, extra %s)"
                                % (user, sorted(got), sorted(want), sorted(want - got), sorted(got - want)))
        h.print_table("Messages received (subscribed to STATE/+ and spBv1.0/# where granted)",
                      ["subscriber", "payloads (publisher|topic)"], rcv_rows)

        # Denials are logged, with the user and the topic.
        # The first denial since `since` is MyEACM's publish on STATE/host1 (rate limiting
        # cannot have hidden it).
        line = self.broker.wait_log(r"certacl: denied.*MyEACM.*STATE/host1|"
                                    r"certacl: denied.*STATE/host1.*MyEACM", since, timeout=1)
        if line is None:
            failures.append("no 'certacl: denied' log line for MyEACM publishing STATE/host1")
        for cl in cls.values():
            self.assertTrue(cl.connected(), "%s was disconnected" % cl.name)
        self.assertEqual(failures, [], "\n".join(failures))


if __name__ == "__main__":
    h.main()
