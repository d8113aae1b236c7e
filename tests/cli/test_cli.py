#!/usr/bin/env python3
"""Tests of the certacl command-line tool: every subcommand, plain and JSON output,
every exit code (0 clean/allowed, 1 warnings/denied, 2 errors/usage).

Run one class:  test_cli.py Lint   (ctest runs each class as its own test)
"""

import hashlib
import os
import shutil
import ssl
import subprocess
import tempfile
import unittest

import cli_util as u
from cli_util import certacl, fixture

h = u.harness
SEED = u.SEED_ACL
SPARKPLUG = os.path.join(u.EXAMPLES, "sparkplug-least-privilege")
GROUPS_EX = os.path.join(u.EXAMPLES, "identity-map-groups")


def lint_pairs(run):
    """(line, check) of every warning of a `lint --json` run."""
    return [(w["line"], w["check"]) for w in run.json()["warnings"]]


class Lint(unittest.TestCase):
    def test_seed_is_clean(self):
        r = certacl("lint", "--acl-file", SEED)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("ok, 0 warnings; 6 rules in 1 ACL file", r.out)
        j = certacl("lint", "--acl-file", SEED, "--json")
        self.assertEqual(j.rc, 0, j)
        d = j.json()
        self.assertTrue(d["ok"])
        self.assertEqual((d["errors"], d["warnings"], d["rules"]), ([], [], 6))
        self.assertEqual(d["acl_files"], [SEED])

    def test_examples_are_clean_with_their_options(self):
        cases = [
            ["--acl-file", os.path.join(SPARKPLUG, "acl"), "--groups-from", "o"],
            ["--acl-file", os.path.join(GROUPS_EX, "acl"), "--identity-map",
             os.path.join(GROUPS_EX, "identity.map"), "--unmapped", "deny"],
            ["--acl-file", os.path.join(GROUPS_EX, "acl"), "--config",
             os.path.join(GROUPS_EX, "certacl.json")],
        ]
        for args in cases:
            r = certacl("lint", *args)
            self.assertEqual(r.rc, 0, r)

    def test_group_patterns_are_noted(self):
        """A group's patterns get one note (at its first pattern) saying they apply to
        that group only: shown, in JSON under "notes", and the exit status stays 0."""
        acl = os.path.join(SPARKPLUG, "acl")
        with open(acl) as f:
            first = {}
            group = None
            for n, line in enumerate(f, 1):
                if line.startswith("group "):
                    group = line.split()[1]
                elif line.startswith("pattern ") and group and group not in first:
                    first[group] = n
        self.assertEqual(set(first), {"sparkplug-edge", "sparkplug-host"})
        r = certacl("lint", "--acl-file", acl, "--groups-from", "o")
        self.assertEqual(r.rc, 0, r)
        for group, line in first.items():
            self.assertIn("%s:%d: note: the pattern lines of group '%s'" % (acl, line, group), r.out)
        self.assertIn("ok, 0 warnings, 2 notes;", r.out)
        j = certacl("lint", "--acl-file", acl, "--groups-from", "o", "--json")
        d = j.json()
        self.assertEqual((j.rc, d["ok"], d["warnings"]), (0, True, []), j)
        self.assertEqual(sorted((n["line"], n["check"], n["rule"]["name"]) for n in d["notes"]),
                         sorted((line, "group-pattern", g) for g, line in first.items()))
        r = certacl("lint", "--acl-file", acl, "--groups-from", "o", "--ignore", "group-pattern")
        self.assertNotIn("note:", r.out)

    # Every trap of fixtures/traps.acl, by line: the check that must name it.
    TRAPS = [
        (2, "anonymous-unreachable"), (4, "pattern-no-placeholder"), (5, "clientid-pattern"),
        (8, "shadowed"), (9, "shadowed"), (10, "duplicate"), (11, "placeholder-in-topic"),
        (12, "space-in-filter"), (13, "read-all"), (15, "allow-always-denied"),
        (20, "shadowed"), (21, "allow-always-denied"), (24, "user-unsafe-name"),
        (27, "group-unreachable"), (31, "deny-no-effect"), (32, "one-word-topic"),
        (33, "placeholder-in-level"),
    ]

    def test_traps_json(self):
        r = certacl("lint", "--acl-file", fixture("traps.acl"), "--json")
        self.assertEqual(r.rc, 1, r)
        d = r.json()
        self.assertFalse(d["ok"])
        self.assertEqual(lint_pairs(r), self.TRAPS)
        by_line = {w["line"]: w for w in d["warnings"]}
        self.assertEqual(by_line[10]["other"]["line"], 9)       # duplicate of line 9
        self.assertEqual(by_line[8]["other"]["text"], "topic read #")  # broader rule
        self.assertEqual(by_line[15]["other"]["text"], "topic deny secret/#")
        self.assertEqual(by_line[8]["rule"]["section"], "user")
        self.assertEqual(by_line[8]["rule"]["name"], "alice")
        for w in d["warnings"]:
            self.assertEqual(w["file"], fixture("traps.acl"))
            self.assertTrue(w["message"])

    def test_traps_plain(self):
        r = certacl("lint", "--acl-file", fixture("traps.acl"))
        self.assertEqual(r.rc, 1, r)
        lines = [l for l in r.out.splitlines() if ": warning: " in l]
        self.assertEqual(len(lines), len(self.TRAPS), r)
        for (line, check), text in zip(self.TRAPS, lines):
            self.assertTrue(text.startswith("%s:%d: warning: " % (fixture("traps.acl"), line)), text)
            self.assertTrue(text.endswith("[%s]" % check), text)
        self.assertIn("certacl lint: %d warnings" % len(self.TRAPS), r.out)
        self.assertIn("remove this line", r.out)  # warnings say what to do

    def test_ignore(self):
        r = certacl("lint", "--acl-file", fixture("traps.acl"), "--json",
                    "--ignore", "shadowed", "--ignore", "duplicate")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(lint_pairs(r), [t for t in self.TRAPS if t[1] not in ("shadowed", "duplicate")])
        checks = {c for _, c in self.TRAPS}
        args = ["lint", "--acl-file", fixture("traps.acl")]
        for c in sorted(checks):
            args += ["--ignore", c]
        r = certacl(*args)
        self.assertEqual(r.rc, 0, r)   # everything ignored: clean
        r = certacl("lint", "--acl-file", SEED, "--ignore", "no-such-check")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("no check is called 'no-such-check'", r.err)

    def test_map_checks(self):
        r = certacl("lint", "--acl-file", fixture("users.acl"), "--identity-map",
                    fixture("users.map"), "--unmapped", "deny", "--json")
        self.assertEqual(r.rc, 1, r)
        got = [(w["file"], w["line"], w["check"]) for w in r.json()["warnings"]]
        self.assertEqual(got, [
            (fixture("users.acl"), 6, "user-unmapped"),        # ghost: no entry gives it
            (fixture("users.acl"), 15, "group-unreachable"),   # orphans: no entry names it
            (fixture("users.map"), 4, "map-user-no-rights"),   # bob: no section anywhere
        ])
        # unmapped allow: every identity may be a username, so ghost is reachable.
        r = certacl("lint", "--acl-file", fixture("users.acl"), "--identity-map",
                    fixture("users.map"), "--json")
        self.assertNotIn("user-unmapped", [c for _, c in lint_pairs(r)])
        # groups from the certificate's OU: any group may be reached.
        r = certacl("lint", "--acl-file", fixture("users.acl"), "--identity-map",
                    fixture("users.map"), "--groups-from", "ou", "--json")
        self.assertNotIn("group-unreachable", [c for _, c in lint_pairs(r)])

    def test_configuration_checks(self):
        r = certacl("lint", "--acl-file", fixture("empty.acl"), "--unmapped", "deny", "--json")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual([(w["file"], w["line"], w["check"]) for w in r.json()["warnings"]], [
            (fixture("empty.acl"), 0, "empty-policy"),
            ("plugin_opt_unmapped", 0, "unmapped-deny-without-map"),
        ])
        r = certacl("lint", "--acl-file", fixture("empty.acl"))
        self.assertIn("%s: warning: " % fixture("empty.acl"), r.out)
        # no_cert defer: clients without a username exist, so anonymous rules apply.
        r = certacl("lint", "--acl-file", fixture("traps.acl"), "--no-cert", "defer", "--json")
        checks = [c for _, c in lint_pairs(r)]
        self.assertNotIn("anonymous-unreachable", checks)
        self.assertNotIn("user-unsafe-name", checks)
        # %c is safe once client ids are bound to the username.
        r = certacl("lint", "--acl-file", fixture("traps.acl"), "--clientid", "equal", "--json")
        self.assertNotIn("clientid-pattern", [c for _, c in lint_pairs(r)])

    def test_error(self):
        r = certacl("lint", "--acl-file", fixture("broken.acl"))
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out.splitlines()[0],
                         "%s:3: unknown keyword 'topci' (expected user, group, topic or pattern)"
                         % fixture("broken.acl"))
        j = certacl("lint", "--acl-file", fixture("broken.acl"), "--json")
        self.assertEqual(j.rc, 2, j)
        d = j.json()
        self.assertFalse(d["ok"])
        e = d["errors"][0]
        self.assertEqual((e["file"], e["line"]), (fixture("broken.acl"), 3))
        self.assertTrue(e["message"].startswith("unknown keyword 'topci'"))
        # Missing file, no ACL file at all, a bad option value: the broker would not start.
        for args in (["--acl-file", "/nonexistent/acl"], [], ["--acl-file", SEED, "--identity", "nope"]):
            r = certacl("lint", *args, "--json")
            self.assertEqual(r.rc, 2, r)
            self.assertTrue(r.json()["errors"][0]["message"], r)

    def test_help_and_usage(self):
        r = certacl("lint", "--help")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Usage: certacl lint", r.out)
        for c in ("shadowed", "read-all", "user-unmapped", "deny-no-effect"):
            self.assertIn(c, r.out)
        r = certacl("lint", "extra-argument", "--acl-file", SEED)
        self.assertEqual(r.rc, 2, r)
        r = certacl("lint", "--topic", "x", "--acl-file", SEED)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--topic is not an option of 'lint'", r.err)


# Client certificates with special subjects, by cache subdirectory: (CNs, gencerts flags).
EXTRA_CERTS = [
    ("cli-edge", ["E1"], ["--ou", "G1", "--o", "sparkplug-edge"]),
    ("cli-host", ["H1"], ["--o", "sparkplug-host"]),
    ("cli-san", ["node1"], ["--client-san", "DNS:node1.example,email:n1@example.com,URI:urn:node:1"]),
    ("cli-misc", ["Alice Smith", "hmi-3", "bad+name"], []),
]


class CertsMixin:
    """Certificates of the tests: seed users plus special ones. With CERTACL_CERT_CACHE
    (ctest) they are made once and shared under the harness's lock; the special ones
    then come from CAs of their own, which the CLI does not mind (it verifies no chain)."""

    @classmethod
    def setUpClass(cls):
        cls.env = h.CertEnv(["HMI", "MyEACM", "SparkplugViewer"], prefix="certacl-cli-")
        cache = os.environ.get("CERTACL_CERT_CACHE")
        if not cache:
            for _, cns, extra in EXTRA_CERTS:
                cls.env.add_clients(cns, extra=extra)
            return
        import fcntl
        with open(os.path.join(cache, ".lock"), "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when closed
            for sub, cns, extra in EXTRA_CERTS:
                d = h._cached_certs(cache, sub, cns, "certacl CLI test CA", ["--no-server"] + extra)
                cls.env._copy(d, cls.env.certs, cns)

    @classmethod
    def tearDownClass(cls):
        cls.env.cleanup()

    def cert(self, cn):
        return self.env.cert(cn)[0]


class Identity(CertsMixin, unittest.TestCase):
    def test_plain(self):
        r = certacl("identity", self.cert("HMI"), "--acl-file", SEED)
        self.assertEqual(r.rc, 0, r)
        for line in ("subject       CN=HMI", "issuer        CN=certacl test CA",
                     "identity      HMI (field cn)", "username      HMI",
                     "acl           section 'user HMI'",
                     "result        accepted at CONNECT as user 'HMI'"):
            self.assertIn(line, r.out)

    def test_json_fields(self):
        path = self.cert("node1")
        r = certacl("identity", path, "--json")
        self.assertEqual(r.rc, 0, r)
        d = r.json()
        with open(path) as f:
            der = ssl.PEM_cert_to_DER_cert(f.read())
        self.assertEqual(d["sha256"], hashlib.sha256(der).hexdigest())
        serial = subprocess.run(["openssl", "x509", "-noout", "-serial", "-in", path],
                                stdout=subprocess.PIPE, text=True, check=True).stdout
        self.assertEqual(int(d["serial"], 16), int(serial.strip().split("=", 1)[1], 16))
        self.assertEqual(d["serial"], d["serial"].lower())
        self.assertEqual(d["san"], {"dns": ["node1.example"], "email": ["n1@example.com"],
                                    "uri": ["urn:node:1"], "ip": []})
        self.assertEqual((d["cn"], d["subject"], d["identity"], d["username"], d["verdict"]),
                         ("node1", "CN=node1", "node1", "node1", "accept"))
        self.assertIsNone(d["user_section"])  # no ACL file given
        r = certacl("identity", path, "--identity", "san-email", "--json")
        self.assertEqual((r.rc, r.json()["identity"], r.json()["identity_field"]),
                         (0, "n1@example.com", "san-email"))

    def test_groups_from_ou_and_o(self):
        r = certacl("identity", self.cert("E1"), "--groups-from", "ou,o", "--json",
                    "--acl-file", os.path.join(SPARKPLUG, "acl"))
        self.assertEqual(r.rc, 0, r)
        d = r.json()
        self.assertEqual((d["ou"], d["o"], d["groups"], d["user_section"]),
                         ("G1", "sparkplug-edge", ["G1", "sparkplug-edge"], False))
        r = certacl("identity", self.cert("E1"), "--groups-from", "o", "--acl-file",
                    os.path.join(SPARKPLUG, "acl"))
        self.assertIn("groups        sparkplug-edge", r.out)
        self.assertIn("no 'user E1' section", r.out)

    def test_map(self):
        m = ["--acl-file", fixture("users.acl"), "--identity-map", fixture("users.map"),
             "--unmapped", "deny"]
        r = certacl("identity", self.cert("Alice Smith"), *m, "--json")
        self.assertEqual(r.rc, 0, r)
        d = r.json()
        self.assertEqual((d["identity"], d["username"], d["groups"], d["user_section"]),
                         ("Alice Smith", "alice", ["operators"], True))
        self.assertEqual((d["map_entry"]["file"], d["map_entry"]["line"]), (fixture("users.map"), 2))
        r = certacl("identity", self.cert("hmi-3"), *m)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("map entry     %s:3: 'hmi-*' -> * (the identity itself)" % fixture("users.map"), r.out)
        self.assertIn("username      hmi-3", r.out)
        # Not in the map, unmapped deny: refused, with the plugin's reason.
        r = certacl("identity", self.cert("HMI"), *m)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("result        refused at CONNECT: identity 'HMI' is not in the identity map "
                      "(plugin_opt_unmapped deny)", r.out)
        j = certacl("identity", self.cert("HMI"), *m, "--json").json()
        self.assertEqual((j["verdict"], j["username"]), ("refuse", None))
        self.assertIn("not in the identity map", j["why"])

    def test_refusals(self):
        r = certacl("identity", self.cert("HMI"), "--identity", "san-dns", "--json")
        self.assertEqual((r.rc, r.json()["verdict"]), (1, "refuse"), r)
        self.assertIn("no subjectAltName", r.json()["why"])
        r = certacl("identity", self.cert("bad+name"))
        self.assertEqual(r.rc, 1, r)
        self.assertIn("username 'bad+name' contains an MQTT wildcard", r.out)
        # Client-id binding, when a client id is given.
        r = certacl("identity", self.cert("HMI"), "--clientid", "equal", "--client-id", "other")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("client id must equal the username", r.out)
        r = certacl("identity", self.cert("HMI"), "--clientid", "equal", "--client-id", "HMI")
        self.assertEqual(r.rc, 0, r)
        # Deny list: the certificate's own serial.
        serial = certacl("identity", self.cert("MyEACM"), "--json").json()["serial"]
        deny = self.env.write("revoked.txt", "serial %s\n" % serial)
        r = certacl("identity", self.cert("MyEACM"), "--deny-list", deny, "--json")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("revoked.txt:1", r.json()["why"])

    def test_errors(self):
        r = certacl("identity", "/nonexistent.pem")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("cannot open certificate", r.err)
        r = certacl("identity", fixture("traps.acl"), "--json")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("no certificate found", r.json()["error"]["message"])
        self.assertEqual(certacl("identity").rc, 2)
        self.assertEqual(certacl("identity", self.cert("HMI"), self.cert("MyEACM")).rc, 2)
        r = certacl("identity", self.cert("HMI"), "--acl-file", fixture("broken.acl"))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("broken.acl:3: unknown keyword", r.err)
        r = certacl("identity", "--help")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Usage: certacl identity CERT.pem", r.out)


class Explain(CertsMixin, unittest.TestCase):
    def test_allowed_plain(self):
        r = certacl("explain", "--acl-file", SEED, "--user", "HMI", "--topic", "STATE/host1",
                    "--access", "write")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.splitlines(), [
            "allowed: write 'STATE/host1' by user 'HMI', qos 0",
            "  reason: allowed by rule",
            "  rule: %s:10: topic readwrite STATE/+" % SEED,
        ])

    def test_denied_no_rule(self):
        r = certacl("explain", "--acl-file", SEED, "--user", "SparkplugViewer",
                    "--topic", "spBv1.0/G1/NDATA/E1", "--access", "write", "--qos", "1")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("denied: write 'spBv1.0/G1/NDATA/E1' by user 'SparkplugViewer', qos 1", r.out)
        self.assertIn("reason: no rule matched", r.out)
        self.assertNotIn("rule:", r.out.replace("no rule matched", ""))

    def test_json(self):
        r = certacl("explain", "--acl-file", SEED, "--user", "MyEACM", "--client-id", "eacm-1",
                    "--topic", "spBv1.0/#", "--access", "subscribe", "--qos", "1", "--json")
        self.assertEqual(r.rc, 0, r)
        d = r.json()
        self.assertEqual((d["allowed"], d["reason"], d["user"], d["client_id"], d["access"],
                          d["topic"], d["qos"], d["retain"]),
                         (True, "allowed-by-rule", "MyEACM", "eacm-1", "subscribe", "spBv1.0/#", 1, False))
        self.assertEqual(d["rule"], {"file": SEED, "line": 3, "text": "topic readwrite spBv1.0/#",
                                     "section": "user", "name": "MyEACM", "filter": "spBv1.0/#",
                                     "access": "readwrite"})
        r = certacl("explain", "--acl-file", SEED, "--topic", "STATE/x", "--access", "read", "--json")
        self.assertEqual(r.rc, 1, r)
        d = r.json()
        self.assertEqual((d["allowed"], d["reason"], d["rule"], d["user"]),
                         (False, "no-rule-matched", None, None))

    def test_deny_rule_group_and_patterns(self):
        acl = fixture("traps.acl")
        r = certacl("explain", "--acl-file", acl, "--user", "alice", "--topic", "secret/thing",
                    "--access", "read")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("reason: denied by rule", r.out)
        self.assertIn("rule: %s:16: topic deny secret/#" % acl, r.out)
        # %c pattern: only with the matching client id.
        q = ["explain", "--acl-file", acl, "--user", "bob", "--topic", "devices/c9/cmd", "--access", "read"]
        self.assertEqual(certacl(*q, "--client-id", "c9").rc, 0)
        self.assertEqual(certacl(*q, "--client-id", "c8").rc, 1)
        self.assertEqual(certacl(*q).rc, 1)  # no client id: %c grants nothing
        # group: with --group only.
        q = ["explain", "--acl-file", acl, "--user", "zed", "--topic", "g/x", "--access", "read"]
        self.assertEqual(certacl(*q).rc, 1)
        r = certacl(*q, "--group", "nobody", "--json")
        self.assertEqual((r.rc, r.json()["rule"]["section"], r.json()["groups"]), (0, "group", ["nobody"]))
        # A client without username gets the rules before the first user line.
        r = certacl("explain", "--acl-file", acl, "--topic", "public/x", "--access", "read")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("by a client without username", r.out)

    def test_cert_placeholders_limits(self):
        sp = ["--acl-file", os.path.join(SPARKPLUG, "acl"), "--groups-from", "o"]
        e1 = self.cert("E1")
        r = certacl("explain", *sp, "--cert", e1, "--topic", "spBv1.0/G1/NDATA/E1",
                    "--access", "write", "--qos", "1")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("certificate %s: identity 'E1' -> user 'E1', groups sparkplug-edge" % e1, r.out)
        self.assertIn("pattern write spBv1.0/%{ou}/NDATA/%{cn} qos<=1 retain=no", r.out)
        # another node's topic, a retained publish, QoS 2: denied.
        self.assertEqual(certacl("explain", *sp, "--cert", e1, "--topic", "spBv1.0/G1/NDATA/E2",
                                 "--access", "write").rc, 1)
        r = certacl("explain", *sp, "--cert", e1, "--topic", "spBv1.0/G1/NDATA/E1",
                    "--access", "write", "--retain", "--json")
        self.assertEqual((r.rc, r.json()["reason"], r.json()["retain"]), (1, "limit", True), r)
        r = certacl("explain", *sp, "--cert", e1, "--topic", "spBv1.0/G1/NDATA/E1",
                    "--access", "write", "--qos", "2", "--json")
        self.assertEqual((r.rc, r.json()["reason"]), (1, "limit"), r)
        # the group from O: read STATE.
        r = certacl("explain", *sp, "--cert", e1, "--topic", "STATE/scada1", "--access", "read", "--json")
        self.assertEqual((r.rc, r.json()["groups"], r.json()["rule"]["name"]),
                         (0, ["sparkplug-edge"], "sparkplug-edge"), r)

    def test_cert_refused_at_connect(self):
        r = certacl("explain", "--acl-file", fixture("users.acl"), "--identity-map",
                    fixture("users.map"), "--unmapped", "deny", "--cert", self.cert("HMI"),
                    "--topic", "plant/line/1", "--access", "read")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("reason: refused at CONNECT: identity 'HMI' is not in the identity map", r.out)
        r = certacl("explain", "--acl-file", fixture("users.acl"), "--identity-map",
                    fixture("users.map"), "--cert", self.cert("Alice Smith"), "--topic",
                    "plant/line/1", "--access", "read", "--json")
        self.assertEqual(r.rc, 0, r)
        d = r.json()
        self.assertEqual((d["user"], d["identity"], d["groups"]), ("alice", "Alice Smith", ["operators"]))
        r = certacl("explain", "--acl-file", SEED, "--cert", self.cert("HMI"), "--topic", "x",
                    "--access", "read", "--clientid", "equal", "--client-id", "other", "--json")
        self.assertEqual((r.rc, r.json()["reason"]), (1, "refused-at-connect"), r)

    def test_special_answers(self):
        q = ["explain", "--acl-file", SEED, "--user", "HMI"]
        r = certacl(*q, "--topic", "anything/#", "--access", "unsubscribe", "--json")
        self.assertEqual((r.rc, r.json()["reason"]), (0, "unsubscribe"))
        r = certacl(*q, "--topic", "STATE/#/x", "--access", "subscribe", "--json")
        self.assertEqual((r.rc, r.json()["reason"]), (1, "bad-topic"))
        # refused by the broker before any ACL (2.0.11, 2.0.21, 2.1.2 alike)
        for topic, access in [("$share/g/STATE/x", "write"), ("$share/g/STATE/x", "read"),
                              ("$SYS/broker/x", "write")]:
            r = certacl(*q, "--topic", topic, "--access", access, "--json")
            self.assertEqual((r.rc, r.json()["reason"]), (1, "refused-by-mosquitto"), r)
        r = certacl(*q, "--topic", "$SYS/broker/x", "--access", "write")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("refused by mosquitto before any ACL: a publish to a topic beginning '$SYS'", r.out)
        r = certacl(*q, "--topic", "$SYS/broker/connection/b/state", "--access", "write", "--json")
        self.assertEqual(r.json()["reason"], "no-rule-matched", r)   # reaches the ACL

    def test_usage_and_errors(self):
        base = ["explain", "--acl-file", SEED]
        for args, msg in [
            (["--access", "read"], "--topic is required"),
            (["--topic", "a"], "--access is required"),
            (["--topic", "a", "--access", "publish"], "--access: expected read"),
            (["--topic", "a", "--access", "read", "--qos", "3"], "--qos: expected 0, 1 or 2"),
            (["--topic", "a", "--access", "read", "--user", "u", "--cert", "c.pem"], "exclude each other"),
            (["--topic", "a", "--access", "read", "--topic", "b"], "--topic is given more than once"),
            (["--topic", "a", "--access", "read", "--retain=1"], "--retain takes no value"),
            (["--topic", "a", "--access", "read", "--batch", "x"], "--batch takes its questions"),
            (["--topic", "a", "--access", "read", "--user"], "--user needs a value"),
            (["--topic", "a", "--access", "read", "-x"], "unknown flag '-x'"),
        ]:
            r = certacl(*base, *args)
            self.assertEqual(r.rc, 2, r)
            self.assertIn(msg, r.err, r)
            j = certacl(*base, *args, "--json")
            self.assertEqual(j.rc, 2, j)
            self.assertIn(msg, j.json()["error"]["text"])
        r = certacl("explain", "--acl-file", fixture("broken.acl"), "--topic", "a", "--access", "read")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("broken.acl:3:", r.err)
        r = certacl("explain", "--acl-file", SEED, "--cert", "/nonexistent.pem", "--topic", "a",
                    "--access", "read", "--json")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("cannot open certificate", r.json()["error"]["message"])
        r = certacl("explain", "--help")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("--batch FILE", r.out)


class Batch(CertsMixin, unittest.TestCase):
    def test_seed_passes(self):
        r = certacl("explain", "--acl-file", SEED, "--batch", fixture("seed.batch"))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, "11 passed, 0 failed\n")
        r = certacl("explain", "--acl-file", SEED, "--batch", fixture("seed.batch"), "--verbose")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out.count(": ok: expected "), 11)
        j = certacl("explain", "--acl-file", SEED, "--batch", fixture("seed.batch"), "--json")
        self.assertEqual(j.rc, 0, j)
        d = j.json()
        self.assertEqual((d["passed"], d["failed"], d["errors"], len(d["results"])), (11, 0, 0, 11))
        self.assertTrue(all(x["ok"] for x in d["results"]))
        self.assertEqual(d["results"][0]["line"], 3)
        self.assertEqual(d["results"][7]["topic"], "STATE/host1/extra")  # quoted value

    def test_refused_before_any_acl(self):
        # the rules grant $SYS/# and $share/#, but mosquitto refuses these first
        acl, f = fixture("dollar.acl"), fixture("dollar.batch")
        r = certacl("explain", "--acl-file", acl, "--batch", f, "--verbose")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.endswith("6 passed, 0 failed\n"), r)
        self.assertEqual(r.out.count("refused by mosquitto before any ACL"), 3, r)
        d = certacl("explain", "--acl-file", acl, "--batch", f, "--json").json()
        self.assertEqual([x["reason"] for x in d["results"]],
                         ["refused-by-mosquitto", "allowed-by-rule", "allowed-by-rule",
                          "refused-by-mosquitto", "refused-by-mosquitto", "allowed-by-rule"])

    def test_mismatches(self):
        f = fixture("seed-mismatch.batch")
        r = certacl("explain", "--acl-file", SEED, "--batch", f)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("%s:3: FAILED: expected deny, got allow" % f, r.out)
        self.assertIn("%s:4: FAILED: expected allow, got deny" % f, r.out)
        self.assertIn("rule: %s:10: topic readwrite STATE/+" % SEED, r.out)
        self.assertNotIn("%s:2:" % f, r.out)
        self.assertTrue(r.out.endswith("1 passed, 2 failed\n"), r)
        d = certacl("explain", "--acl-file", SEED, "--batch", f, "--json").json()
        self.assertEqual([(x["line"], x["expected"], x["ok"]) for x in d["results"]],
                         [(2, "allow", True), (3, "deny", False), (4, "allow", False)])

    def test_errors(self):
        f = fixture("batch-errors.batch")
        r = certacl("explain", "--acl-file", SEED, "--batch", f)
        self.assertEqual(r.rc, 2, r)
        for line, msg in [(2, "expected 'allow' or 'deny' first"), (3, "unknown key 'colour'"),
                          (4, "access: expected read, write"), (5, "access= and topic= are required"),
                          (6, "user= and cert= exclude each other"), (7, "unterminated quoted value")]:
            self.assertIn("%s:%d: error: %s" % (f, line, msg), r.out)
        self.assertTrue(r.out.endswith("1 passed, 0 failed, 6 errors\n"), r)
        d = certacl("explain", "--acl-file", SEED, "--batch", f, "--json").json()
        self.assertEqual([e["line"] for e in d["error_lines"]], [2, 3, 4, 5, 6, 7])
        self.assertEqual(certacl("explain", "--acl-file", SEED, "--batch", "/nonexistent").rc, 2)
        empty = self.env.write("empty.batch", "# nothing\n")
        r = certacl("explain", "--acl-file", SEED, "--batch", empty)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("no questions", r.out)

    def test_certs_relative_and_stdin(self):
        d = tempfile.mkdtemp(prefix="certacl-cli-batch-")
        try:
            shutil.copy(self.cert("E1"), os.path.join(d, "E1.pem"))
            text = ("allow cert=E1.pem client=E1 access=write topic=spBv1.0/G1/NDATA/E1 qos=1\n"
                    "deny  cert=E1.pem client=E1 access=write topic=spBv1.0/G1/NDATA/E1 retain=1\n"
                    "deny  cert=E1.pem access=write topic=spBv1.0/G1/NCMD/E1\n"
                    "allow cert=E1.pem access=read topic=spBv1.0/G1/NCMD/E1\n"
                    "allow user=scada1 group=sparkplug-host access=write topic=spBv1.0/G1/NCMD/E1\n")
            path = os.path.join(d, "edge.batch")
            with open(path, "w") as f:
                f.write(text)
            sp = ["--acl-file", os.path.join(SPARKPLUG, "acl"), "--groups-from", "o"]
            r = certacl("explain", *sp, "--batch", path, cwd="/")
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.out, "5 passed, 0 failed\n")
            # From standard input: paths are taken as they are (here: relative to cwd).
            r = certacl("explain", *sp, "--batch", "-", stdin=text, cwd=d)
            self.assertEqual((r.rc, r.out), (0, "5 passed, 0 failed\n"), r)
            r = certacl("explain", *sp, "--batch", "-", stdin=text, cwd="/")
            self.assertEqual(r.rc, 2, r)
            self.assertIn("(stdin):1: error: E1.pem: cannot open certificate", r.out)
        finally:
            shutil.rmtree(d, ignore_errors=True)


class Diff(CertsMixin, unittest.TestCase):
    """certacl diff OLD NEW: what becomes allowed / denied, the rule on each side, exit 1
    exactly when something becomes allowed."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="certacl-diff-")
        self.addCleanup(shutil.rmtree, self.tmp, True)

    def acl(self, name, text):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def seed_variant(self, name, old_line, new_line):
        with open(SEED) as f:
            text = f.read()
        self.assertIn(old_line + "\n", text)
        return self.acl(name, text.replace(old_line + "\n", new_line + "\n", 1))

    def test_same_policy(self):
        r = certacl("diff", SEED, SEED)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("certacl diff: 0 changes", r.out)

    def test_narrowing_exits_0(self):
        # HMI may no longer publish STATE: denied, naming the old rule
        narrow = self.seed_variant("narrow.acl", "topic readwrite STATE/+", "topic read STATE/+")
        r = certacl("diff", SEED, narrow)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("- user 'HMI': write 'STATE/any'\n", r.out)
        self.assertIn("old: allowed by %s:10 'topic readwrite STATE/+'" % SEED, r.out)
        self.assertIn("new: denied: no rule matched", r.out)
        self.assertNotIn("\n+ ", "\n" + r.out)
        self.assertIn("0 become allowed, 1 becomes denied", r.out)

    def test_widening_exits_1_and_names_the_rule(self):
        wide = self.seed_variant("wide.acl", "topic read spBv1.0/#", "topic readwrite spBv1.0/#")
        r = certacl("diff", SEED, wide)
        self.assertEqual(r.rc, 1, r)
        self.assertIn("+ user 'SparkplugViewer': write 'spBv1.0/any'\n", r.out)
        self.assertIn("new: allowed by %s:7 'topic readwrite spBv1.0/#'" % wide, r.out)
        # the other way round it narrows
        self.assertEqual(certacl("diff", wide, SEED).rc, 0)

    def test_json_shape(self):
        wide = self.seed_variant("wide.acl", "topic read spBv1.0/#", "topic readwrite spBv1.0/#")
        r = certacl("diff", SEED, wide, "--json")
        self.assertEqual(r.rc, 1, r)
        d = r.json()
        self.assertEqual((d["widens"], d["denied"], d["identities"], d["topic_classes"]),
                         (True, [], 3, 2), d)
        self.assertGreater(d["questions"], 0)
        [c] = d["allowed"]
        self.assertEqual((c["identity"], c["access"], c["topic"]),
                         ("user 'SparkplugViewer'", "write", "spBv1.0/any"))
        self.assertEqual(sorted((v["qos"], v["retain"]) for v in c["variants"]),
                         [(q, rt) for q in (0, 1, 2) for rt in (False, True)])
        self.assertEqual((c["old"]["allowed"], c["old"]["reason"], c["old"]["rule"]),
                         (False, "no-rule-matched", None))
        self.assertEqual((c["new"]["allowed"], c["new"]["rule"]["file"], c["new"]["rule"]["line"],
                          c["new"]["rule"]["text"]), (True, wide, 7, "topic readwrite spBv1.0/#"))

    def test_limit_change_names_the_variants(self):
        old = self.acl("old.acl", "user u\ntopic write t/# qos<=1 retain=no\n")
        new = self.acl("new.acl", "user u\ntopic write t/# qos<=2 retain=no\n")
        r = certacl("diff", old, new, "--json")
        self.assertEqual(r.rc, 1, r)
        [c] = r.json()["allowed"]
        self.assertEqual(([(v["qos"], v["retain"]) for v in c["variants"]], c["old"]["reason"]),
                         ([(2, False)], "limit"))

    def test_sides_with_certificates(self):
        """--old/--new with per-side options, the identities from --certs DIR: moving the
        host's STATE pattern out of its group hands every edge node a STATE topic."""
        example = os.path.join(SPARKPLUG, "acl")
        with open(example) as f:
            lines = f.read().split("\n")
        state = [l for l in lines if l.startswith("pattern readwrite spBv1.0/STATE/%{cn}")]
        self.assertEqual(len(state), 1)
        moved = self.acl("moved.acl", "\n".join(state + [l for l in lines if l not in state]))
        certs = os.path.join(self.tmp, "certs")
        os.makedirs(certs)
        for cn in ("E1", "H1", "ca"):
            shutil.copy(os.path.join(self.env.certs, cn + ".pem"), certs)
        r = certacl("diff", "--certs", certs, "--groups-from", "o", "--old", "--acl-file", example,
                    "--new", "--acl-file", moved, "--json")
        self.assertEqual(r.rc, 1, r)
        d = r.json()
        got = {(c["identity"], c["access"], c["topic"]) for c in d["allowed"]}
        e1 = "cert %s" % os.path.join(certs, "E1.pem")
        self.assertIn((e1, "write", "spBv1.0/STATE/E1"), got)
        self.assertEqual({i for i, _, _ in got}, {e1})
        self.assertEqual(d["denied"], [])
        [c] = [c for c in d["allowed"] if c["access"] == "write"]
        self.assertEqual((c["new"]["rule"]["line"], c["new"]["user"]), (1, "E1"))
        # the CA certificate is no identity; the host keeps what it had
        self.assertNotIn("ca.pem", r.out)

    def test_errors(self):
        self.assertEqual(certacl("diff", SEED).rc, 2)
        r = certacl("diff", SEED, "/nonexistent.acl")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("new side: ", r.err)
        r = certacl("diff", "--new", "--acl-file", SEED)
        self.assertEqual(r.rc, 2, r)
        r = certacl("diff", "--old", "--acl-file", SEED, "--cert", self.cert("HMI"), "--new",
                    "--acl-file", SEED)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--cert and --certs go before --old", r.err)
        self.assertEqual(certacl("diff", "--help").rc, 0)


def chromium():
    """The headless browser of Debian's chromium package, or None."""
    return shutil.which("chromium")


class Matrix(CertsMixin, unittest.TestCase):
    """certacl matrix: the table's cells are explain's answers, in every format; the HTML
    page renders in headless Chromium with the same cells and rules."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.tmp = tempfile.mkdtemp(prefix="certacl-matrix-")
        cls.certs = os.path.join(cls.tmp, "certs")
        os.makedirs(cls.certs)
        for cn in ("E1", "H1", "ca"):
            shutil.copy(os.path.join(cls.env.certs, cn + ".pem"), cls.certs)
        cls.args = ["--acl-file", os.path.join(SPARKPLUG, "acl"), "--groups-from", "o",
                    "--certs", cls.certs]
        r = certacl("matrix", *cls.args, "--json")
        assert r.rc == 0, r
        cls.doc = r.json()

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)
        super().tearDownClass()

    @staticmethod
    def topic_of(filt):
        return "/".join("any" if lv in ("+", "#") else lv for lv in filt.split("/"))

    def row(self, cn):
        [row] = [r for r in self.doc["rows"] if r["cert"] == os.path.join(self.certs, cn + ".pem")]
        return row

    def test_sparkplug_columns(self):
        labels = [c["label"] for c in self.doc["columns"]]
        types = ["NBIRTH", "NDATA", "NDEATH", "DBIRTH", "DDATA", "DDEATH", "NCMD", "DCMD"]
        # G1 from E1's OU, Plant1/Plant2 are not in the rules: only G1 and the STATE columns
        self.assertEqual(labels, ["G1 " + t for t in types] + ["STATE", "STATE (2.2)"])
        rows = [r["label"] for r in self.doc["rows"]]
        self.assertNotIn("cert %s" % os.path.join(self.certs, "ca.pem"), rows)
        e1 = {c["label"]: cell for c, cell in zip(self.doc["columns"], self.row("E1")["cells"])}
        self.assertEqual(e1["G1 NDATA"]["filter"], "spBv1.0/G1/NDATA/E1")
        self.assertEqual((e1["G1 NDATA"]["write"]["allowed"], e1["G1 NDATA"]["read"]["allowed"]),
                         (True, False))
        self.assertEqual(e1["G1 NDATA"]["write"]["rule"]["text"],
                         "pattern write spBv1.0/%{ou}/NDATA/%{cn} qos<=1 retain=no")
        self.assertEqual((e1["STATE"]["write"]["allowed"], e1["STATE"]["read"]["allowed"]), (False, True))
        h1 = {c["label"]: cell for c, cell in zip(self.doc["columns"], self.row("H1")["cells"])}
        st = h1["STATE"]["write"]
        self.assertEqual((st["allowed"], st["retain"]), (True, True))  # retain=only
        self.assertTrue(h1["G1 NCMD"]["write"]["allowed"])
        self.assertFalse(h1["G1 NDATA"]["write"]["allowed"])

    def test_cells_match_explain(self):
        asked = 0
        for row in self.doc["rows"]:
            who = ["--cert", row["cert"]] if row["cert"] else (
                (["--user", row["user"]] if row["user"] else []) +
                [x for g in row["groups"] for x in ("--group", g)])
            for cell in row["cells"]:
                if cell["filter"] is None:
                    continue
                for acc in ("read", "write", "subscribe"):
                    a = cell[acc]
                    topic = cell["filter"] if acc == "subscribe" else self.topic_of(cell["filter"])
                    extra = [] if acc == "subscribe" else ["--qos", str(a["qos"])] + (
                        ["--retain"] if a["retain"] else [])
                    r = certacl("explain", *self.args[:4], *who, "--topic", topic,
                                "--access", acc, *extra, "--json")
                    e = r.json()
                    self.assertEqual((e["allowed"], e["rule"]), (a["allowed"], a["rule"]),
                                     (row["label"], cell["filter"], acc, r))
                    asked += 1
        self.assertGreater(asked, 100)

    def test_text_and_markdown(self):
        r = certacl("matrix", *self.args)
        self.assertEqual(r.rc, 0, r)
        e1 = [l for l in r.out.splitlines() if l.startswith("cert %s" % os.path.join(self.certs, "E1.pem"))]
        self.assertEqual(len(e1), 1)
        self.assertEqual(e1[0].split()[2:], ["-W-"] * 6 + ["R-S"] * 2 + ["R-S"] * 2)
        r = certacl("matrix", *self.args, "--format", "markdown")
        self.assertEqual(r.rc, 0, r)
        lines = r.out.splitlines()
        self.assertTrue(lines[0].startswith("| identity | G1 NBIRTH |"), lines[0])
        self.assertEqual(lines[1], "|---|" + ":-:|" * len(self.doc["columns"]))
        self.assertEqual(len([l for l in lines if l.startswith("| ")]), 1 + len(self.doc["rows"]))
        # seed policy: its rule filters are the columns
        r = certacl("matrix", "--acl-file", SEED, "--json")
        self.assertEqual([c["label"] for c in r.json()["columns"]], ["STATE/+", "spBv1.0/#"])
        self.assertEqual(certacl("matrix", "--acl-file", SEED, "--format", "pdf").rc, 2)

    def test_seed_readme_shows_the_matrix(self):
        r = certacl("matrix", "--acl-file", SEED, "--format", "markdown")
        with open(os.path.join(u.EXAMPLES, "seed", "README.md")) as f:
            self.assertIn(r.out, f.read())

    def test_html_renders_in_chromium(self):
        r = certacl("matrix", *self.args, "--format", "html")
        self.assertEqual(r.rc, 0, r)
        page = r.out
        for banned in ("http:", "https:", "<script", "<link", "<img", "src=", "url("):
            self.assertNotIn(banned, page)   # self-contained: nothing to fetch
        browser = chromium()
        if not browser:
            self.skipTest("chromium is not installed (scripts/bootstrap installs it)")
        path = os.path.join(self.tmp, "matrix.html")
        with open(path, "w") as f:
            f.write(page)
        profile = tempfile.mkdtemp(prefix="certacl-chromium-", dir=self.tmp)
        dom = subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                              "--disable-background-networking", "--disable-component-update",
                              "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                              "--dump-dom", "file://" + path],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                             timeout=120).stdout
        rows = MatrixPage.parse(dom)
        self.assertIn("<tbody>", dom)   # the browser's parser built the table
        self.assertEqual(len(rows), 1 + len(self.doc["rows"]))
        self.assertEqual([t for t, _ in rows[0][1:]], [c["label"] for c in self.doc["columns"]])
        for row, (head, *cells) in zip(self.doc["rows"], rows[1:]):
            self.assertEqual(head[0], row["label"])
            for cell, (text, title) in zip(row["cells"], cells):
                letters = "".join(l if cell["filter"] and cell[a]["allowed"] else
                                  ("-" if cell["filter"] else ".")
                                  for l, a in (("R", "read"), ("W", "write"), ("S", "subscribe")))
                self.assertEqual(text, letters, (row["label"], cell))
                for acc in ("read", "write", "subscribe"):
                    rule = cell.get(acc, {}).get("rule")
                    if rule:   # the hover text names the deciding rule
                        self.assertIn("%s:%d '%s'" % (rule["file"], rule["line"], rule["text"]), title)


class MatrixPage:
    """The cells of the matrix table in a DOM: rows of (text, title) pairs."""

    @staticmethod
    def parse(dom):
        from html.parser import HTMLParser

        class P(HTMLParser):
            def __init__(self):
                super().__init__()
                self.rows, self.cell = [], None

            def handle_starttag(self, tag, attrs):
                if tag == "tr":
                    self.rows.append([])
                elif tag in ("td", "th"):
                    self.cell = ["", dict(attrs).get("title") or ""]

            def handle_endtag(self, tag):
                if tag in ("td", "th") and self.cell is not None:
                    self.rows[-1].append(tuple(self.cell))
                    self.cell = None

            def handle_data(self, data):
                if self.cell is not None:
                    self.cell[0] += data

        p = P()
        p.feed(dom)
        return p.rows


class Options(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="certacl-cli-opts-")

    def tearDown(self):
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        p = os.path.join(self.dir, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)
        return p

    def conf(self, extra=""):
        """A broker configuration in the style of the acl-examples, certacl options
        spread over the main file and an include_dir."""
        self.write("conf.d/10-more.conf", "plugin_opt_groups_from   o   \n" + extra)
        return self.write("mosquitto.conf", "\n".join([
            "per_listener_settings false",
            "listener 8883",
            "plugin /usr/lib/x86_64-linux-gnu/mosquitto/mosquitto_dynamic_security.so",
            "plugin_opt_config_file /nonexistent/dynsec.json",
            "plugin /usr/lib/x86_64-linux-gnu/mosquitto/certacl.so",
            "plugin_opt_acl_file %s" % os.path.join(SPARKPLUG, "acl"),
            "\tplugin_opt_identity cn",
            "# plugin_opt_bogus commented out",
            "include_dir %s" % os.path.join(self.dir, "conf.d"),
            "",
        ]))

    def test_mosquitto_conf(self):
        conf = self.conf()
        r = certacl("lint", "--mosquitto-conf", conf)
        self.assertEqual(r.rc, 0, r)   # groups_from o came from the include_dir
        # a command-line option replaces the configuration's value of that key
        r = certacl("lint", "--mosquitto-conf", conf, "--groups-from", "none", "--json")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual({c for _, c in lint_pairs(r)}, {"group-unreachable"})
        r = certacl("lint", "--mosquitto-conf", conf, "--acl-file", SEED, "--json")
        self.assertEqual((r.rc, r.json()["acl_files"]), (0, [SEED]))
        r = certacl("explain", "--mosquitto-conf", conf, "--user", "scada1", "--group",
                    "sparkplug-host", "--topic", "spBv1.0/Plant1/NCMD/Edge1", "--access",
                    "write", "--qos", "1")
        self.assertEqual(r.rc, 0, r)
        # an error in the configuration names its file and line
        conf = self.conf("plugin_opt_colour blue\n")
        r = certacl("lint", "--mosquitto-conf", conf)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("%s:2: unknown option 'colour'" % os.path.join(self.dir, "conf.d", "10-more.conf"), r.out)

    def test_mosquitto_conf_problems(self):
        plain = self.write("plain.conf", "listener 1883\nplugin_opt_acl_file x\n")
        r = certacl("lint", "--mosquitto-conf", plain)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("no 'plugin' line whose path ends in certacl.so", r.out)
        self.assertEqual(certacl("lint", "--mosquitto-conf", "/nonexistent.conf").rc, 2)
        twice = self.write("twice.conf", "plugin /x/certacl.so\nplugin_opt_acl_file %s\n"
                           "plugin /y/certacl.so\nplugin_opt_acl_file /nonexistent\n" % SEED)
        r = certacl("lint", "--mosquitto-conf", twice)
        self.assertEqual(r.rc, 0, r)   # the first certacl plugin's options only
        self.assertIn("using the options of the first", r.err)

    def test_generic_options(self):
        # any --some-key VALUE reaches the core as (some_key, VALUE); --key=value works too
        r = certacl("lint", "--acl-file=%s" % SEED, "--log-per-client", "5", "--stats-interval=0")
        self.assertEqual(r.rc, 0, r)
        r = certacl("lint", "--acl-file", SEED, "--some-key", "1")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("command line (--some-key): unknown option 'some_key'", r.out)
        r = certacl("lint", "--acl-file", SEED, "--identity", "cn", "--identity", "dn")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("identity is set more than once", r.out)
        j = self.write("c.json", '{"acl_file": ["%s"], "identity": "cn"}' % SEED)
        self.assertEqual(certacl("lint", "--config", j).rc, 0)
        bad = self.write("bad.json", '{"acl_file": "%s",\n "identity": }' % SEED)
        r = certacl("lint", "--config", bad, "--json")
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.json()["errors"][0]["file"], bad)

    def test_main(self):
        r = certacl()
        self.assertEqual(r.rc, 2, r)
        self.assertIn("Usage: certacl COMMAND", r.err)
        r = certacl("--help")
        self.assertEqual(r.rc, 0, r)
        for word in ("lint", "identity", "explain", "Exit status"):
            self.assertIn(word, r.out)
        r = certacl("frobnicate")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("unknown command 'frobnicate'", r.err)
        r = certacl("--version")
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(r.out.startswith("certacl "))


if __name__ == "__main__":
    u.main()
