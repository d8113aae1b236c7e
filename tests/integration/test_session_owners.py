#!/usr/bin/env python3
"""Offline persistent sessions keep their owner (issue 15 item 2; plugin_opt_clientid owned).

Broker with persistence and plugin_opt_session_owners_file:
- nodeA leaves a persistent session (MQTT 3.1.1 clean session false, and MQTT 5 clean
  start false with a session expiry), subscribed to its command topic; a host queues a
  QoS 1 command for it;
- nodeB (a valid certificate) may neither resume nor wipe it: CONNACK refused with a
  `certacl: refused CONNECT` line, with clean start false and true;
- control: an id nodeA used with a clean session is free for nodeB once it is gone (so
  the refusals above come from the kept session);
- after SIGHUP, and after a broker restart (owners saved at shutdown, read at start),
  nodeB is still refused; nodeA resumes its session and gets the queued command;
  once nodeA ends its session (clean), nodeB may use the id.
Control without session_owners_file: after a restart nodeB takes the session (what
certacl can know across restarts is only what the file keeps).
Bounds: session_owners_per_user 2, session_owners_max 3: past them the oldest owner
is forgotten (logged, counted under $SYS) and its id is free; the others stay owned.
A corrupt owners file stops the broker at start, naming file and line.
Admin API (through `certacl ctl`): listSessions shows the kept session and its owner;
releaseClientId forgets the owner, after which nodeB may use the id; an unknown id is an
error (exit 1).
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

ACL = """user nodeA
topic readwrite spBv1.0/G1/+/nodeA
topic read cmd/nodeA/#

user nodeB
topic readwrite spBv1.0/G1/+/nodeB
topic read cmd/nodeB/#

user host
topic write cmd/#
topic read $SYS/broker/certacl/#
topic readwrite $CONTROL/certacl/#
"""

KEPT = r"another user's persistent session"
# (protocol, keyword arguments) of a session that outlives its connection
PERSISTENT = [(4, dict(clean=False)), (5, dict(clean=False, session_expiry=3600))]


def setUpModule():
    global ENV, ACL_PATH
    ENV = h.CertEnv(["nodeA", "nodeB", "host"])
    ACL_PATH = ENV.write("acl", ACL)


def tearDownModule():
    ENV.cleanup()


def persistence_lines(name):
    d = ENV.path("persist-" + name)
    os.makedirs(d, exist_ok=True)
    return ["persistence true", "persistence_location %s/" % d]


class OwnerCase(ih.Case):
    def refused(self, cert, client_id, protocol, why=KEPT, **kw):
        """Connect and assert the refusal: CONNACK 0x87 (MQTT 5) / 5 (3.1.1) and a
        `certacl: refused CONNECT` line for client_id matching `why`."""
        since = self.broker.log_offset()
        cl, r = self.connect(cert, client_id=client_id, protocol=protocol, **kw)
        want = h.RC_NOT_AUTHORIZED if protocol == 5 else 5
        self.assertEqual(r.rc, want, "%s with client id %s (MQTT %s, %s) should be refused: %r"
                         % (cert, client_id, protocol, kw, r))
        line = self.broker.wait_log(r"certacl: refused CONNECT from client '%s'" % client_id,
                                    since, timeout=2)
        h.log("  log: %s" % line)
        self.assertIsNotNone(line, "no refusal line for %s" % client_id)
        self.assertRegex(line, why)
        cl.close()

    def accepted(self, cert, client_id, protocol, **kw):
        cl, r = self.connect(cert, client_id=client_id, protocol=protocol, **kw)
        self.assertEqual(r.rc, 0, "%s with client id %s (MQTT %s, %s) should connect: %r"
                         % (cert, client_id, protocol, kw, r))
        return cl

    def leave(self, cl):
        """Disconnect cleanly and wait until the broker has seen the client go."""
        since = self.broker.log_offset()
        cl.close()
        self.assertIsNotNone(self.broker.wait_log(h.gone_pattern(cl.client_id), since),
                             "the broker did not log %s going" % cl.client_id)

    def leave_session(self, client_id, protocol, **kw):
        """nodeA connects with client_id and this session's options, subscribes its
        command topic (QoS 1) and leaves."""
        cl = self.accepted("nodeA", client_id, protocol, **kw)
        codes = cl.subscribe("cmd/nodeA/%s" % client_id)
        self.assertTrue(codes and h.suback_granted(codes[0]), "subscribe: %s" % codes)
        self.leave(cl)


class KeptAcrossReloadAndRestart(OwnerCase):
    @classmethod
    def setUpClass(cls):
        cls.owners = ENV.path("owners-kept")
        cls.start_broker(ENV, "kept", acl_files=[ACL_PATH],
                         global_lines=persistence_lines("kept"),
                         plugin_opts=[("session_owners_file", cls.owners)])

    def test_owner_keeps_session(self):
        ids = {}
        for protocol, kw in PERSISTENT:
            cid = ids[protocol] = h.unique_id("sess-v%d" % protocol)
            self.leave_session(cid, protocol, **kw)
        host = self.accepted("host", h.unique_id("host"), 5)
        for protocol, cid in ids.items():
            rc = host.publish("cmd/nodeA/%s" % cid, "queued-" + cid)
            self.assertTrue(h.publish_allowed(rc), "host publish: %s" % h.rc_name(rc))

        def nodeB_refused(when):
            h.log("-- nodeB tries the kept sessions (%s)" % when)
            for protocol, cid in ids.items():
                self.refused("nodeB", cid, protocol, clean=False)
                self.refused("nodeB", cid, protocol, clean=True)

        nodeB_refused("offline")
        # control: a clean session's id is free once its client is gone
        for protocol, _ in PERSISTENT:
            cid = h.unique_id("clean-v%d" % protocol)
            self.leave(self.accepted("nodeA", cid, protocol, clean=True))
            self.leave(self.accepted("nodeB", cid, protocol, clean=True))

        since, line = self.broker.reload()
        self.assertIsNotNone(line, "no reload line")
        nodeB_refused("after SIGHUP")

        host.close()
        h.log("-- restart: owners saved at shutdown, read at start")
        self.broker.stop()
        with open(self.owners, encoding="utf-8") as f:
            lines = f.read().splitlines()
        h.log("  %s: %s" % (self.owners, lines))
        self.assertEqual(lines[0], "# certacl session owners, format 1")
        saved = {json.loads(l)["clientid"]: json.loads(l)["username"] for l in lines[1:]}
        self.assertEqual(saved, {cid: "nodeA" for cid in ids.values()})
        self.broker.start()
        self.assertIsNotNone(self.broker.wait_log(
            r"certacl: 2 offline persistent session owner\(s\) read from " + self.owners))
        nodeB_refused("after a restart")

        for protocol, kw in PERSISTENT:
            cid = ids[protocol]
            owner = self.accepted("nodeA", cid, protocol, **kw)
            got = owner.wait_message(lambda m: m[1] == "queued-" + cid)
            h.log("  %s resumed its session and got %s" % (cid, got))
            self.assertIsNotNone(got, "%s: the queued command did not reach its owner" % cid)
            self.leave(owner)
            # the owner ends the session: the id is free
            self.leave(self.accepted("nodeA", cid, protocol, clean=True))
            self.leave(self.accepted("nodeB", cid, protocol, clean=True))


class WithoutOwnersFile(OwnerCase):
    """Control: without session_owners_file a restart forgets the owners."""

    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "nofile", acl_files=[ACL_PATH],
                         global_lines=persistence_lines("nofile"))

    def test_restart_forgets(self):
        cid = h.unique_id("sess-nofile")
        self.leave_session(cid, 4, clean=False)
        self.refused("nodeB", cid, 4, clean=False)
        self.broker.stop()
        self.broker.start()
        self.leave(self.accepted("nodeB", cid, 4, clean=True))


class Bounds(OwnerCase):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "bounds", acl_files=[ACL_PATH],
                         plugin_opts=[("session_owners_per_user", "2"),
                                      ("session_owners_max", "3"), ("stats_interval", "1")])

    def test_oldest_owner_forgotten(self):
        host = self.accepted("host", h.unique_id("host"), 5)
        codes = host.subscribe("$SYS/broker/certacl/sessions/#")
        self.assertTrue(codes and h.suback_granted(codes[0]), "$SYS subscribe: %s" % codes)
        a = [h.unique_id("a%d" % i) for i in range(3)]
        since = self.broker.log_offset()
        for cid in a:
            self.leave_session(cid, 4, clean=False)
        self.assertIsNotNone(self.broker.wait_log(
            r"more than 2 offline persistent sessions \(plugin_opt_session_owners_per_user\): "
            r"the owner of its 1 oldest was forgotten", since))
        self.leave(self.accepted("nodeB", a[0], 4, clean=True))  # free again
        self.refused("nodeB", a[1], 4, clean=True)
        b = [h.unique_id("b%d" % i) for i in range(2)]
        since = self.broker.log_offset()
        for cid in b:  # nodeB's own sessions: 4 > 3, the oldest of all (a[1]) goes
            cl = self.accepted("nodeB", cid, 4, clean=False)
            self.leave(cl)
        self.assertIsNotNone(self.broker.wait_log(
            r"more than 3 offline persistent sessions \(plugin_opt_session_owners_max\): "
            r"the owner of the 1 oldest was forgotten", since))
        self.leave(self.accepted("nodeB", a[1], 4, clean=True))
        self.refused("nodeB", a[2], 4, clean=True)
        self.refused("nodeA", b[0], 4, clean=True)

        def counter(name):
            msgs = host.received("$SYS/broker/certacl/sessions/" + name)
            return msgs[-1][1] if msgs else None

        got = h.wait_until(lambda: counter("owners_dropped") == "2" and counter("kept_offline") == "3",
                           timeout=4)
        h.log("  $SYS sessions: kept_offline=%s owners_dropped=%s"
              % (counter("kept_offline"), counter("owners_dropped")))
        self.assertTrue(got, "$SYS counters")


class AdminRelease(OwnerCase):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "admin", acl_files=[ACL_PATH])

    def ctl(self, *args):
        pem, key = ENV.cert("host")
        argv = [self.cli, "ctl", "-h", "127.0.0.1", "-p", str(self.broker.port), "--cafile", ENV.ca,
                "--cert", pem, "--key", key] + list(args)
        r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
        h.log("  ctl %s -> %d %s %s" % (" ".join(args), r.returncode, r.stdout.strip()[:300],
                                        r.stderr.strip()))
        return r

    def test_list_and_release(self):
        self.cli = os.environ.get("CERTACL_CLI")
        if not self.cli:
            self.skipTest("CERTACL_CLI not set (the CLI is built with CERTACL_EXTRAS)")
        cid = h.unique_id("sess-admin")
        self.leave_session(cid, 5, clean=False, session_expiry=3600)
        r = self.ctl("--json", "listSessions", "--username", "nodeA")
        self.assertEqual(r.returncode, 0, r.stderr)
        data = json.loads(r.stdout)["responses"][0]["data"]
        self.assertEqual(data["totalCount"], 1)
        self.assertEqual(data["sessions"][0]["clientid"], cid)
        self.assertEqual(data["sessions"][0]["username"], "nodeA")
        self.assertRegex(data["sessions"][0]["offlineSince"], r"^20\d\d-")
        self.refused("nodeB", cid, 5, clean=True)
        since = self.broker.log_offset()
        r = self.ctl("releaseClientId", "--clientid", cid)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIsNotNone(self.broker.wait_log(
            r"certacl: admin request from client .* user 'host': releaseClientId '%s'" % cid, since))
        self.assertEqual(json.loads(self.ctl("--json", "listSessions").stdout)["responses"][0]["data"]
                         ["totalCount"], 0)
        self.leave(self.accepted("nodeB", cid, 5, clean=True))
        r = self.ctl("releaseClientId", "--clientid", "no-such-session")
        self.assertEqual(r.returncode, 1)
        self.assertIn("no offline persistent session with this clientid has an owner", r.stderr)


class CorruptOwnersFile(ih.Case):
    def test_refuses_to_start(self):
        path = ENV.write("owners-bad", "# certacl session owners, format 1\n"
                         "{\"clientid\": \"x\", \"username\": \"nodeA\", \"offline_since\": 5}\n"
                         "{\"clientid\": \"y\"}\n")
        b = h.track(ih.Broker(ENV, name="badowners", acl_files=[ACL_PATH],
                              plugin_opts=[("session_owners_file", path)]))
        rc, text = b.start_expecting_exit()
        h.log("  exit %s; %s" % (rc, [l for l in text.splitlines() if "certacl" in l]))
        self.assertIsNotNone(rc, "the broker kept running with a corrupt owners file")
        self.assertNotEqual(rc, 0)
        self.assertIn("owners-bad:3: expected", text)


if __name__ == "__main__":
    h.main()
