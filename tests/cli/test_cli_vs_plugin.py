#!/usr/bin/env python3
"""Same core, same answer: the certacl CLI and the running plugin decide a table of
questions identically.

A real mosquitto with certacl.so (tests/integration/harness.py) on 127.0.0.1 with
generated certificates answers each question with real clients: PUBACK reason codes
for publishes, SUBACK codes for subscriptions, and what a subscriber to '#' actually
receives for deliveries. Those answers become the EXPECT column of a batch file for
`certacl explain --mosquitto-conf BROKER.conf --batch FILE --json`, which reads the
broker's own configuration; every line must pass. The policy (fixtures/compare.acl)
has user sections, a group from the certificate's O, %u / %c / %{ou} / %{cn}
patterns, deny rules and QoS/retain limits.
"""

import os
import unittest

import cli_util as u
from cli_util import certacl, fixture

h = u.harness

USERS = ["HMI", "SparkplugViewer", "God", "Stranger"]
EDGE = "E1"  # OU G1, O sparkplug-edge: group from O, %{ou} = G1, %{cn} = E1

# (certificate CN, client id, topic, retain): published with QoS 1.
WRITES = [
    ("HMI", "hmi-1", "STATE/h1", False),
    ("HMI", "hmi-1", "spBv1.0/G1/NDATA/E1", False),
    ("HMI", "hmi-1", "spBv1.0/G1/NCMD/E1", False),      # deny wins over readwrite spBv1.0/#
    ("HMI", "hmi-1", "other/x", False),
    ("HMI", "hmi-1", "devices/HMI/x", False),           # %u
    ("HMI", "hmi-1", "devices/HMI/secret", False),      # pattern deny
    ("HMI", "hmi-1", "devices/God/x", False),
    ("HMI", "hmi-1", "clients/hmi-1/status", False),    # %c
    ("HMI", "hmi-1", "clients/other/status", False),
    ("SparkplugViewer", "sv-1", "spBv1.0/G1/NDATA/E1", False),
    ("SparkplugViewer", "sv-1", "STATE/h1", False),
    (EDGE, "e1-1", "spBv1.0/G1/NDATA/E1", False),       # %{ou} / %{cn}
    (EDGE, "e1-1", "spBv1.0/G1/NDATA/E2", False),
    (EDGE, "e1-1", "spBv1.0/G2/NDATA/E1", False),
    (EDGE, "e1-1", "STATE/h1", False),
    ("Stranger", "st-1", "devices/Stranger/a", False),
    ("Stranger", "st-1", "STATE/h1", False),
    # retained last: they stay on the broker
    ("HMI", "hmi-1", "clients/hmi-1/status", True),     # retain=no limit
    (EDGE, "e1-1", "spBv1.0/G1/NDATA/E1", True),
    ("HMI", "hmi-1", "STATE/h2", True),
]

# (certificate CN, client id, filter): subscribed with QoS 1.
SUBSCRIBES = [
    ("HMI", "hmi-s", "spBv1.0/#"),
    ("HMI", "hmi-s", "other/#"),
    ("HMI", "hmi-s", "#"),
    ("HMI", "hmi-s", "spBv1.0/+/NCMD/#"),                # covered by the deny
    ("HMI", "hmi-s", "$SYS/#"),
    ("SparkplugViewer", "sv-s", "STATE/+"),
    ("SparkplugViewer", "sv-s", "STATE/+/x"),
    (EDGE, "e1-s", "spBv1.0/G1/NCMD/E1"),
    (EDGE, "e1-s", "spBv1.0/G1/NCMD/E2"),
    (EDGE, "e1-s", "STATE/#"),
    ("Stranger", "st-s", "devices/Stranger/#"),
    ("Stranger", "st-s", "devices/#"),
    ("Stranger", "st-s", "spBv1.0/#"),
]

# Topics that God (readwrite #) publishes to readers subscribed to '#'.
DELIVERED = ["STATE/h1", "spBv1.0/G1/NDATA/E1", "spBv1.0/G1/NCMD/E1", "spBv1.0/G1/NCMD/E2",
             "other/x", "devices/HMI/x", "devices/God/x", "devices/Stranger/x"]
# reader CN, its client id, and a topic it can read that ends its stream
READERS = [("HMI", "hmi-r", "STATE/end"), (EDGE, "e1-r", "STATE/end"),
           ("Stranger", "st-r", "devices/Stranger/end"), ("SparkplugViewer", "sv-r", "STATE/end")]


class CliMatchesPlugin(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = h.CertEnv(USERS, prefix="certacl-cli-it-")
        cls.env.add_clients([EDGE], extra=["--ou", "G1", "--o", "sparkplug-edge"])
        cls.broker = h.track(h.Broker(cls.env, acl_files=[fixture("compare.acl")],
                                      plugin_opts=[("groups_from", "o")]))
        cls.broker.start()
        cls.clients = h.Clients()

    @classmethod
    def tearDownClass(cls):
        cls.clients.close()
        cls.broker.stop()
        cls.env.cleanup()

    def connect(self, cn, client_id):
        cl, r = h.connect(self.env, self.broker.port, cn, client_id=client_id)
        self.clients.add(cl)
        self.assertEqual(r.rc, 0, "%s (%s) did not connect: %r" % (cn, client_id, r))
        return cl

    def ask_broker_subscribes(self):
        answers = []
        for cn, cid, f in SUBSCRIBES:
            cl = self.connect(cn, cid)
            codes = cl.subscribe(f)
            self.assertIsNotNone(codes, "no SUBACK for %s %s" % (cn, f))
            answers.append((cn, cid, "subscribe", f, 1, False, h.suback_granted(codes[0])))
            cl.close()
        return answers

    def ask_broker_reads(self):
        god = self.connect("God", "god-1")
        answers = []
        for cn, cid, end in READERS:
            r = self.connect(cn, cid)
            self.assertTrue(h.suback_granted(r.subscribe("#")[0]), "%s may subscribe '#'" % cn)
            for t in DELIVERED:
                self.assertTrue(h.publish_allowed(god.publish(t, t)), "God publishes %s" % t)
            self.assertTrue(h.publish_allowed(god.publish(end, "end")))
            self.assertIsNotNone(r.wait_message(lambda m: m[1] == "end"), "%s: no end message" % cn)
            h.wait_until(lambda: False, h.QUIET)
            got = {m[0] for m in r.received() if m[1] != "end"}
            answers += [(cn, cid, "read", t, 1, False, t in got) for t in DELIVERED]
            r.close()
        return answers

    def ask_broker_writes(self):
        answers = []
        conns = {}
        for cn, cid, t, retain in WRITES:
            if cid not in conns:
                conns[cid] = self.connect(cn, cid)
            rc = conns[cid].publish(t, "x", retain=retain)
            self.assertIsNotNone(rc, "no PUBACK for %s %s" % (cn, t))
            answers.append((cn, cid, "write", t, 1, retain, h.publish_allowed(rc)))
        return answers

    def batch_text(self, answers):
        lines = ["# the broker's answers (generated by test_cli_vs_plugin.py)"]
        for cn, cid, access, topic, qos, retain, allowed in answers:
            lines.append('%s cert="%s" client=%s access=%s topic="%s" qos=%d retain=%d' % (
                "allow" if allowed else "deny", self.env.cert(cn)[0], cid, access, topic,
                qos, int(retain)))
        return "\n".join(lines) + "\n"

    def test_same_answers(self):
        answers = self.ask_broker_subscribes() + self.ask_broker_reads() + self.ask_broker_writes()
        # The policy must really be exercised: both answers occur for each access.
        for access in ("subscribe", "read", "write"):
            seen = {a[6] for a in answers if a[2] == access}
            self.assertEqual(seen, {True, False}, "%s: the table needs allowed and denied cases" % access)
        batch = self.env.write("broker-answers.batch", self.batch_text(answers))
        r = certacl("explain", "--mosquitto-conf", self.broker.conf, "--batch", batch, "--json")
        self.assertIn(r.rc, (0, 1), r)
        d = r.json()
        rows, failures = [], []
        for res in d["results"]:
            cn, cid, access, topic, _, retain, allowed = answers[res["line"] - 2]
            rule = res["rule"]
            rows.append((cn, access, topic + (" (retained)" if retain else ""),
                         "allow" if allowed else "deny", "allow" if res["allowed"] else "deny",
                         "%s:%d" % (os.path.basename(rule["file"]), rule["line"]) if rule else res["reason"]))
            if not res["ok"]:
                failures.append("%s %s %s: broker %s, certacl %s (%s)" % rows[-1])
        h.print_table("broker vs certacl explain", ["user", "access", "topic", "broker", "certacl",
                                                    "certacl's reason"], rows)
        self.assertEqual((d["errors"], d["error_lines"]), (0, []), r)
        self.assertEqual(len(d["results"]), len(answers))
        self.assertEqual(failures, [], "\n".join(failures))
        self.assertEqual((r.rc, d["failed"]), (0, 0))


if __name__ == "__main__":
    h.main()
