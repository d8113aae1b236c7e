#!/usr/bin/env python3
"""The admin API on $CONTROL/certacl/v1 (issue 14 item 4; README "Admin API"), through the
real broker, and the `certacl ctl` tool that speaks it.

- listClients: identity, username, groups, client id, address, serial, SHA-256, issuer,
  notAfter of each connected client; paging and filters;
- explain: the live policy's answer with the deciding rule, for a connected client (its
  groups) or a username; the broker's own refusals ($SYS writes);
- getStatus: files, load time, rule count, last reload, counters;
- reload: as SIGHUP for certacl's files; a broken file keeps the last good policy;
- a client without write on $CONTROL/certacl/# is refused (PUBACK 0x87, no answer);
- malformed, non-object, oversized requests and unknown commands get an error answer,
  and the broker keeps running;
- `certacl ctl` (TLS options like mosquitto_sub's) gives the same answers, text and --json.
"""

import json
import os
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

REQUEST = "$CONTROL/certacl/v1"
RESPONSE = REQUEST + "/response"

ACL = """user Operator
topic readwrite $CONTROL/certacl/#

user Edge1
topic readwrite plant/#

user Viewer
topic read plant/#
"""
MAP = """Operator Operator ops
Edge1    Edge1    edge plant1
Viewer   Viewer
"""


def setUpModule():
    global ENV
    ENV = h.CertEnv(["Operator", "Edge1", "Viewer"])


def tearDownModule():
    ENV.cleanup()


class AdminApi(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.acl = ENV.path("admin.acl")
        ih.write_atomic(cls.acl, ACL)
        idmap = ENV.path("admin.map")
        ih.write_atomic(idmap, MAP)
        cls.start_broker(ENV, "admin", acl_files=[cls.acl], plugin_opts=[("identity_map", idmap)])
        cls.op = cls.connect_cls("Operator")
        codes = cls.op.subscribe(RESPONSE)
        assert codes and h.suback_granted(codes[0]), "Operator cannot subscribe to %s: %s" % (RESPONSE, codes)
        cls.lock = threading.Lock()

    @classmethod
    def connect_cls(cls, cert, **kw):
        cl = ih.client(ENV, cls.broker.port, cert, **kw)
        cls.clients.add(cl)
        r = cl.connect()
        assert r.rc == 0, "%s: %r" % (cert, r)
        return cl

    def ask(self, payload, cl=None, timeout=h.WAIT):
        """Publish a request (dict, or raw str/bytes); return (PUBACK reason code, the
        parsed answer or None)."""
        cl = cl or self.op
        body = json.dumps(payload) if isinstance(payload, dict) else payload
        with self.lock:
            seen = len(cl.received(RESPONSE))
            rc = cl.publish(REQUEST, body)
            m = h.wait_until(lambda: cl.received(RESPONSE)[seen:], timeout)
        if not m:
            return rc, None
        return rc, json.loads(m[0][1])

    def command(self, **cmd):
        rc, answer = self.ask({"commands": [cmd]})
        self.assertIsNotNone(answer, "no answer to %s (PUBACK %s)" % (cmd, h.rc_name(rc)))
        self.assertEqual(len(answer["responses"]), 1)
        return answer["responses"][0]

    def test_list_clients(self):
        edge = self.connect_ok("Edge1", user="Edge1")
        r = self.command(command="listClients", correlationData="c-1")
        self.assertEqual(r["command"], "listClients")
        self.assertEqual(r["correlationData"], "c-1")
        clients = {c["clientid"]: c for c in r["data"]["clients"]}
        self.assertIn(edge.client_id, clients)
        e = clients[edge.client_id]
        h.log("  %s" % json.dumps(e))
        pem = ENV.cert("Edge1")[0]
        self.assertEqual(e["username"], "Edge1")
        self.assertEqual(e["groups"], ["edge", "plant1"])
        self.assertRegex(e["address"], r"^127\.0\.0\.1")
        self.assertEqual(e["serial"].lower(), ih.serial_line(pem).split("=", 1)[1].lower())
        self.assertEqual(e["sha256"], ih.fingerprint(pem).replace(":", "").lower())
        self.assertIn("certacl test CA", e["issuer"])
        self.assertRegex(e["notAfter"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        # filters and paging
        r = self.command(command="listClients", group="plant1")
        self.assertIn(edge.client_id, [c["clientid"] for c in r["data"]["clients"]])
        self.assertTrue(all("plant1" in c["groups"] for c in r["data"]["clients"]))
        r = self.command(command="listClients", username="Operator")
        self.assertEqual([c["clientid"] for c in r["data"]["clients"]], [self.op.client_id])
        total = self.command(command="listClients")["data"]["totalCount"]
        page = self.command(command="listClients", offset=1, count=1)["data"]
        self.assertEqual(page["totalCount"], total)
        self.assertEqual(len(page["clients"]), min(1, total - 1))

    def test_explain(self):
        self.connect_ok("Edge1", user="Edge1", client_id="edge-1-explain")
        r = self.command(command="explain", clientid="edge-1-explain", topic="plant/line1", access="write")
        h.log("  %s" % json.dumps(r))
        self.assertTrue(r["data"]["allowed"])
        self.assertEqual(r["data"]["rule"]["line"], 5)
        self.assertTrue(r["data"]["rule"]["file"].endswith("admin.acl"))
        r = self.command(command="explain", username="Viewer", topic="plant/line1", access="write")
        self.assertFalse(r["data"]["allowed"])
        r = self.command(command="explain", username="Edge1", topic="$SYS/broker/x", access="write")
        self.assertFalse(r["data"]["allowed"])
        self.assertEqual(r["data"]["reason"], "refused by mosquitto before any ACL")
        r = self.command(command="explain", topic="plant/x", access="fly")
        self.assertIn("error", r)

    def test_status_and_reload(self):
        s = self.command(command="getStatus")["data"]
        h.log("  %s" % json.dumps(s)[:300])
        self.assertEqual(s["aclFiles"], [self.acl])
        self.assertEqual(s["rules"], 3)
        self.assertRegex(s["loadedAt"], r"^\d{4}-")
        self.assertIn("connects/allowed", s["counters"])
        viewer = self.connect_ok("Viewer", user="Viewer")
        self.assert_pub(viewer, "plant/a", allowed=False)
        ih.write_atomic(self.acl, ACL + "topic write plant/viewer/#\n")
        r = self.command(command="reload")
        self.assertNotIn("error", r)
        self.assertEqual(r["data"]["rules"], 4)
        self.assertTrue(r["data"]["lastReload"]["ok"])
        self.assert_pub(viewer, "plant/viewer/a", allowed=True)
        ih.write_atomic(self.acl, "topic read a/#/b\n")
        try:
            r = self.command(command="reload")
            h.log("  broken: %s" % json.dumps(r))
            self.assertIn("keeping the previous policy", r["error"])
            self.assertIn("admin.acl:1", r["error"])
            self.assert_pub(viewer, "plant/viewer/b", allowed=True)
            s = self.command(command="getStatus")["data"]
            self.assertFalse(s["lastReload"]["ok"])
            self.assertEqual(s["rules"], 4)
        finally:
            ih.write_atomic(self.acl, ACL)
            self.command(command="reload")

    def test_refused_without_write_on_control(self):
        viewer = self.connect_ok("Viewer", user="Viewer")
        self.assertTrue(h.suback_granted((viewer.subscribe(RESPONSE) or [None])[0]) is False)
        for command in ({"command": "listClients"}, {"command": "getStatus"}, {"command": "reload"},
                        {"command": "explain", "username": "Viewer", "topic": "a", "access": "read"}):
            # the PUBACK comes after the answer would have been queued: a short wait
            rc, answer = self.ask({"commands": [command]}, cl=viewer, timeout=3 * h.QUIET)
            h.log("  Viewer's %s: PUBACK %s, answer %r" % (command["command"], h.rc_name(rc), answer))
            self.assertEqual(rc, h.RC_NOT_AUTHORIZED)
            self.assertIsNone(answer)
        self.assertTrue(self.broker.find_log(r"certacl: denied write on '\$CONTROL/certacl/v1'.*Viewer"))

    def test_malformed_requests(self):
        for body in ("not json", "[1, 2]", '{"commands": "x"}', b"\xff\xfe", ""):
            rc, answer = self.ask(body)
            h.log("  %r -> %s" % (body, answer))
            self.assertIsNotNone(answer, "no answer to %r" % body)
            self.assertIn("error", answer["responses"][0])
        rc, answer = self.ask(json.dumps({"commands": [{"command": "getStatus", "pad": "x" * 70000}]}))
        self.assertIn("larger than 65536", answer["responses"][0]["error"])
        rc, answer = self.ask({"commands": [{"command": "getStatus"}] * 101})
        self.assertIn("more than 100", answer["responses"][0]["error"])
        rc, answer = self.ask({"commands": [{"command": "dropTables"}, 7, {"command": "getStatus"}]})
        errors = ["error" in r for r in answer["responses"]]
        self.assertEqual(errors, [True, True, False])
        self.assertTrue(self.broker.alive())
        self.assertIsNotNone(self.broker.wait_log(r"certacl: admin request from client '%s' user 'Operator': "
                                                  r"dropTables, \?, getStatus" % self.op.client_id))

    def test_ctl_tool(self):
        cli = os.environ.get("CERTACL_CLI")
        if not cli:
            self.skipTest("CERTACL_CLI not set (the CLI is built with CERTACL_EXTRAS)")
        pem, key = ENV.cert("Operator")
        base = [cli, "ctl", "-h", "127.0.0.1", "-p", str(self.broker.port), "--cafile", ENV.ca,
                "--cert", pem, "--key", key]
        r = subprocess.run(base + ["--json", "getStatus"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        h.log("  ctl --json getStatus -> %d %s" % (r.returncode, r.stdout[:200]))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["responses"][0]["data"]["aclFiles"], [self.acl])
        r = subprocess.run(base + ["explain", "--username", "Viewer", "--topic", "plant/x", "--access",
                                   "read"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=30)
        h.log("  ctl explain -> %d\n%s" % (r.returncode, r.stdout))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^allowed: .*admin\.acl:8 .topic read plant/#")
        r = subprocess.run(base + ["explain", "--username", "Viewer", "--topic", "plant/x", "--access",
                                   "write"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           timeout=30)
        self.assertEqual(r.returncode, 1)
        r = subprocess.run(base + ["listClients"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=30)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(self.op.client_id, r.stdout)
        # a certificate without write on $CONTROL/certacl/#: refused, exit 2
        vpem, vkey = ENV.cert("Viewer")
        r = subprocess.run(base[:-4] + ["--cert", vpem, "--key", vkey, "getStatus"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True, timeout=30)
        h.log("  ctl as Viewer -> %d %s" % (r.returncode, r.stderr.strip()))
        self.assertEqual(r.returncode, 2)
        self.assertIn("not authorized", r.stderr)


if __name__ == "__main__":
    h.main()
