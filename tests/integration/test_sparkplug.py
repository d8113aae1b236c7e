#!/usr/bin/env python3
"""A Sparkplug B session through the real broker, with mutual TLS, on the files of
acl-examples/sparkplug-least-privilege (SPEC section 4, issue 4):

- the example's ACL file and mosquitto.conf template (the broker's config is that
  template with the harness's port, certificate directory and plugin filled in);
- the example's make-certs.sh (scripts/gencerts with O = role, OU = Sparkplug group,
  CN = node / host id).

The session, in order (one test method per step; they share the connections):
 1. the primary host scada1 connects with its STATE will, subscribes spBv1.0/# and
    STATE/+, publishes its STATE (3.0 and 2.2, retained, QoS 1); non-retained STATE
    and another host's STATE are refused;
 2. edge node Plant1/Edge1 connects with its NDEATH will, subscribes its NCMD/DCMD
    (`.../NCMD/Edge1/#` as real clients do) and STATE, gets the retained STATE,
    publishes NBIRTH, DBIRTH, NDATA (QoS 0 and 1), DDATA, which the host receives;
    retained or QoS 2 data, commands, STATE and another node's topics are refused;
 3. the host sends NCMD and DCMD, which Edge1 receives; retained commands and
    impersonating an edge node are refused;
 4. a viewer receives data but cannot publish anything;
 5. edge node Plant2/Edge2 (other group, other node id) cannot publish as Edge1,
    cannot publish NCMD/DCMD, cannot subscribe to Edge1's NCMD, and wide
    subscriptions deliver it nothing of Edge1's;
 6. Edge2 cannot take over Edge1's client id (which would fire Edge1's NDEATH);
 7. a will on another node's NDEATH, and a retained NDEATH will, are not delivered;
 8. a retained publish on a data topic left nothing retained behind;
 9. Edge1 is killed (socket closed without DISCONNECT): the host and the viewer
    receive its NDEATH;
10. birth certificates: on mosquitto 2.1 the broker also loads its sparkplug-aware
    plugin, which republishes births on $sparkplug/certificates/...: the host and the
    viewer may subscribe there and receive them (retained, and live for a new
    NBIRTH), an edge node may not subscribe, and nobody may publish there.

Every decision is printed in a table at the end (expected / observed).

Development aid: CERTACL_SPARKPLUG_ACL=/path/to/acl runs the same session on another
ACL file (e.g. acl-examples/seed/acl, to see the checks fail on a permissive policy).
"""

import os
import re
import socket
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

EXAMPLE = os.path.join(h.SOURCE_DIR, "acl-examples", "sparkplug-least-privilege")
MAKE_CERTS = os.path.join(EXAMPLE, "make-certs.sh")

HOST = "scada1"
VIEWER = "SparkplugViewer"
G1, E1 = "Plant1", "Edge1"     # Edge1 and Edge3 are in group Plant1
E3 = "Edge3"
G2, E2 = "Plant2", "Edge2"     # Edge2 is in group Plant2


# mosquitto 2.1's sparkplug-aware plugin (Debian's path, inside the broker's root).
SPARKPLUG_AWARE = "/usr/lib/x86_64-linux-gnu/mosquitto/mosquitto_sparkplug_aware.so"
CERTIFICATES = "$sparkplug/certificates/"


def sparkplug_aware_available():
    return os.path.exists((h.BROKER_ROOT or "/") + SPARKPLUG_AWARE)


def sp(group, mtype, node, device=None):
    return "spBv1.0/%s/%s/%s%s" % (group, mtype, node, "/" + device if device else "")


STATE3 = "spBv1.0/STATE/" + HOST    # Sparkplug 3.0
STATE2 = "STATE/" + HOST            # Sparkplug 2.2

# A QoS 1 publish refused by the plugin: PUBACK 0x87 (MQTT v5).
REFUSED = h.RC_NOT_AUTHORIZED


class ExampleBroker(h.Broker):
    """A Broker whose config is the example's mosquitto.conf.in, filled in."""

    def config_text(self):
        with open(os.path.join(EXAMPLE, "mosquitto.conf.in"), encoding="utf-8") as f:
            text = f.read()
        values = {
            "@PORT@": str(self.ports[0]),
            "@HOST@": "127.0.0.1",
            "@CERTS@": self.env.certs,
            "@EXAMPLE_DIR@": EXAMPLE,
            "@PLUGIN@": self.plugin,
        }
        for k, v in values.items():
            text = text.replace(k, v)
        acl = os.environ.get("CERTACL_SPARKPLUG_ACL")
        if acl:
            text = text.replace(os.path.join(EXAMPLE, "acl"), os.path.abspath(acl))
        left = re.findall(r"@[A-Z_]+@", text)
        if left:
            raise h.BrokerError("unfilled placeholders in mosquitto.conf.in: %s" % left)
        # The harness's additions: every log line (READ denials are at debug level), and
        # keep root so that the broker can read the keys in the 0700 temporary directory.
        text += "\n# added by test_sparkplug.py\nlog_type all\nuser root\n"
        if sparkplug_aware_available():
            text += "plugin %s\n" % SPARKPLUG_AWARE
        return text


class SpClient(h.Client):
    """The harness's client, plus a will and a way to die without DISCONNECT."""

    def __init__(self, env, port, cert, will=None, **kw):
        super().__init__(env, port, cert, **kw)
        if will:
            topic, payload, qos, retain = will
            self.c.will_set(topic, payload, qos=qos, retain=retain)

    def kill(self):
        """Close the TCP connection under TLS without an MQTT DISCONNECT (and without a
        TLS close_notify), as when a node crashes or loses power."""
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=2)
        s = self.c.socket()
        if s is not None:
            try:
                # SSLSocket.shutdown drops the TLS state without close_notify.
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()
        with self.cv:
            self.disconnected = True
            self.cv.notify_all()


class Sparkplug(unittest.TestCase):
    rows = []          # the decision table: step, client, action, topic, expected, observed, verdict

    @classmethod
    def setUpClass(cls):
        cls.env = h.CertEnv([])   # the CA and the server certificate (cached under ctest)
        r = subprocess.run([MAKE_CERTS, cls.env.certs], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=120,
                             env=dict(os.environ, GENCERTS=h.GENCERTS))
        if r.returncode != 0:
            raise RuntimeError("make-certs.sh failed (%d): %s" % (r.returncode, r.stdout))
        cls.broker = h.track(ExampleBroker(cls.env, name="sparkplug"))
        cls.broker.start()
        cls.clients = h.Clients()
        cls.c = {}
        cls.seq = [0]

    @classmethod
    def tearDownClass(cls):
        h.print_table("Sparkplug session: decisions observed through the broker",
                      ["step", "client", "action", "topic / filter", "expected", "observed", "verdict"],
                      cls.rows)
        cls.clients.close()
        cls.broker.stop()
        cls.env.cleanup()

    # ------------------------------------------------------------------ helpers

    def setUp(self):
        self.failures = []
        self.step = self._testMethodName.split("_")[1]

    def record(self, who, action, topic, expected, observed, ok):
        self.rows.append([self.step, who, action, topic, expected, observed, "ok" if ok else "FAIL"])
        if not ok:
            self.failures.append("%s %s %s: expected %s, observed %s"
                                 % (who, action, topic, expected, observed))
        return ok

    def done(self):
        self.assertEqual(self.failures, [], "\n" + "\n".join(self.failures))

    def payload(self, tag):
        self.seq[0] += 1
        return "%s#%d" % (tag, self.seq[0])

    def connect(self, key, cert, will=None, client_id=None, expect_ok=True):
        cl = self.clients.add(SpClient(self.env, self.broker.port, cert, will=will, client_id=client_id))
        r = cl.connect()
        what = "connect" + (" (will %s%s)" % (will[0], ", retained" if will[3] else "") if will else "")
        if expect_ok:
            self.record(cert, what, "-", "accepted", h.rc_name(r.rc) if r.rc is not None else r.error, r.ok)
            if not r.ok:
                self.fail("%s could not connect: %r" % (cert, r))
        if key:
            self.c[key] = cl
        return cl, r

    def expect_pub(self, who, topic, allowed, retain=False, qos=1, tag="msg"):
        """QoS 1: decide by the PUBACK reason code. Returns the payload sent."""
        cl = self.c[who]
        p = self.payload(tag)
        rc = cl.publish(topic, p, retain=retain)
        action = "publish q1" + (" retained" if retain else "")
        if allowed:
            self.record(cl.name, action, topic, "allowed", h.rc_name(rc), h.publish_allowed(rc))
        else:
            self.record(cl.name, action, topic, "refused (0x87)", h.rc_name(rc), rc == REFUSED)
        return p

    def expect_sub(self, who, filt, granted):
        cl = self.c[who]
        codes = cl.subscribe(filt)
        rc = codes[0] if codes else None
        if granted:
            self.record(cl.name, "subscribe", filt, "granted", h.rc_name(rc), h.suback_granted(rc))
        else:
            self.record(cl.name, "subscribe", filt, "refused (0x87)", h.rc_name(rc), rc == REFUSED)
        return rc

    def expect_recv(self, who, topic, payload, retained=None, what="receive"):
        cl = self.c[who]
        m = cl.wait_message(lambda m: m[0] == topic and m[1] == payload)
        ok = m is not None and (retained is None or m[3] == retained)
        exp = "delivered" + ("" if retained is None else (" (retained)" if retained else " (live)"))
        obs = "nothing" if m is None else ("delivered" + ("" if retained is None else
                                                         (" (retained)" if m[3] else " (live)")))
        self.record(cl.name, what, topic, exp, obs, ok)
        return m

    def expect_no_recv(self, who, topic, payload=None, what="receive"):
        """Call only after a sentinel has shown that the message would have arrived."""
        cl = self.c[who]
        got = [m for m in cl.received(topic) if payload is None or m[1] == payload]
        self.record(cl.name, what, topic, "not delivered",
                    "nothing" if not got else "DELIVERED %r" % (got[0][1],), not got)

    def quiet(self):
        h.wait_until(lambda: False, h.QUIET)

    # ------------------------------------------------------------------ the session

    def test_01_host_state(self):
        # Sparkplug 3.0 host: will = its STATE with online=false, retained, QoS 1.
        self.connect("host", HOST, will=(STATE3, '{"online":false,"timestamp":1}', 1, True))
        self.expect_sub("host", "spBv1.0/#", True)
        self.expect_sub("host", "STATE/+", True)
        birth = '{"online":true,"timestamp":1}'
        rc = self.c["host"].publish(STATE3, birth, retain=True)
        self.record(HOST, "publish q1 retained", STATE3, "allowed", h.rc_name(rc), h.publish_allowed(rc))
        rc = self.c["host"].publish(STATE2, "ONLINE", retain=True)
        self.record(HOST, "publish q1 retained", STATE2, "allowed", h.rc_name(rc), h.publish_allowed(rc))
        self.expect_recv("host", STATE3, birth, what="receive own STATE")
        # STATE only retained (retain=only): a live STATE would not be seen by late subscribers.
        self.expect_pub("host", STATE3, False, retain=False)
        self.expect_pub("host", STATE2, False, retain=False)
        # Another host's STATE: never.
        self.expect_pub("host", "spBv1.0/STATE/scada2", False, retain=True)
        self.expect_pub("host", "STATE/scada2", False, retain=True)
        self.done()

    def test_02_edge_birth_and_data(self):
        host = "host"
        self.connect("e1", E1, will=(sp(G1, "NDEATH", E1), "edge1-ndeath", 1, False))
        self.expect_sub("e1", sp(G1, "NCMD", E1) + "/#", True)
        self.expect_sub("e1", sp(G1, "DCMD", E1) + "/#", True)
        self.expect_sub("e1", STATE3, True)
        self.expect_sub("e1", STATE2, True)
        self.expect_recv("e1", STATE3, '{"online":true,"timestamp":1}', retained=True,
                         what="receive STATE 3.0 on subscribe")
        self.expect_recv("e1", STATE2, "ONLINE", retained=True, what="receive STATE 2.2 on subscribe")

        for mtype, dev in (("NBIRTH", None), ("DBIRTH", "Dev1"), ("NDATA", None), ("DDATA", "Dev1"),
                           ("DDEATH", "Dev2")):
            t = sp(G1, mtype, E1, dev)
            p = self.expect_pub("e1", t, True, tag=mtype)
            self.expect_recv(host, t, p, what="receive")
        # QoS 0 data (what Sparkplug 3.0 prescribes): no PUBACK, judged by delivery.
        t = sp(G1, "NDATA", E1)
        p = self.payload("NDATA-q0")
        self.c["e1"].publish_nowait(t, p, qos=0)
        self.expect_recv(host, t, p, what="receive (published q0)")

        # Limits: data is never retained, never QoS 2.
        p_ret = self.expect_pub("e1", sp(G1, "NDATA", E1), False, retain=True, tag="NDATA-retained")
        self.expect_pub("e1", sp(G1, "DDATA", E1, "Dev1"), False, retain=True)
        self.expect_pub("e1", sp(G1, "NBIRTH", E1), False, retain=True)
        since = self.broker.log_offset()
        t = sp(G1, "NDATA", E1)
        p_q2 = self.payload("NDATA-q2")
        self.c["e1"].publish_nowait(t, p_q2, qos=2)
        line = self.broker.wait_log(r"certacl: denied write on '%s' qos 2 for user '%s'"
                                    % (re.escape(t), E1), since)
        self.record(E1, "publish q2", t, "refused (logged)", "logged" if line else "no denial logged",
                    line is not None)
        # Nor commands, STATE, or another node's topics.
        self.expect_pub("e1", sp(G1, "NCMD", E1), False)
        self.expect_pub("e1", sp(G1, "DCMD", E1, "Dev1"), False)
        self.expect_pub("e1", STATE3, False, retain=True)
        self.expect_pub("e1", "spBv1.0/STATE/" + E1, False, retain=True)
        self.expect_pub("e1", "STATE/" + E1, False, retain=True)
        self.expect_pub("e1", sp(G1, "NDATA", E3), False)
        self.expect_pub("e1", sp(G2, "NDATA", E1), False)
        # Sentinel: once it arrives, the refused ones would have arrived before it.
        sentinel = self.expect_pub("e1", sp(G1, "NDATA", E1), True, tag="sentinel")
        self.expect_recv(host, sp(G1, "NDATA", E1), sentinel, what="receive sentinel")
        self.quiet()
        self.expect_no_recv(host, sp(G1, "NDATA", E1), p_ret, what="receive refused retained")
        self.expect_no_recv(host, sp(G1, "NDATA", E1), p_q2, what="receive refused q2")
        self.expect_no_recv(host, sp(G1, "NCMD", E1), what="receive edge's NCMD")
        self.expect_no_recv(host, sp(G1, "NDATA", E3), what="receive forged NDATA")
        self.done()

    def test_03_host_commands(self):
        t = sp(G1, "NCMD", E1)
        p = self.expect_pub("host", t, True, tag="Node Control/Rebirth")
        self.expect_recv("e1", t, p, retained=False)
        td = sp(G1, "DCMD", E1, "Dev1")
        p = self.expect_pub("host", td, True, tag="DCMD write")
        self.expect_recv("e1", td, p, retained=False)
        # Commands are never retained (they would run again on every reconnect).
        p_ret = self.expect_pub("host", t, False, retain=True, tag="NCMD-retained")
        self.expect_pub("host", td, False, retain=True)
        # The host cannot speak for an edge node.
        self.expect_pub("host", sp(G1, "NBIRTH", E1), False)
        self.expect_pub("host", sp(G1, "NDATA", E1), False)
        self.expect_pub("host", sp(G1, "NDEATH", E1), False)
        # Nor as a node named after itself: it has no OU, so %{ou} grants it nothing.
        self.expect_pub("host", sp(G1, "NDATA", HOST), False)
        sentinel = self.expect_pub("host", t, True, tag="sentinel")
        self.expect_recv("e1", t, sentinel, what="receive sentinel")
        self.quiet()
        self.expect_no_recv("e1", t, p_ret, what="receive refused retained NCMD")
        self.done()

    def test_04_viewer(self):
        self.connect("viewer", VIEWER)
        self.expect_sub("viewer", "spBv1.0/#", True)
        self.expect_sub("viewer", "STATE/+", True)
        self.expect_recv("viewer", STATE3, '{"online":true,"timestamp":1}', retained=True,
                         what="receive STATE on subscribe")
        t = sp(G1, "DDATA", E1, "Dev1")
        p = self.expect_pub("e1", t, True, tag="DDATA")
        self.expect_recv("viewer", t, p)
        for topic, retain in ((sp(G1, "NDATA", E1), False), (sp(G1, "NBIRTH", VIEWER), False),
                              (sp(G1, "NCMD", E1), False), (sp(G1, "DCMD", E1, "Dev1"), False),
                              (STATE3, True), (STATE2, True), ("spBv1.0/STATE/" + VIEWER, True),
                              ("STATE/" + VIEWER, True)):
            self.expect_pub("viewer", topic, False, retain=retain)
        self.done()

    def test_05_other_edge_node(self):
        self.connect("e2", E2, will=(sp(G2, "NDEATH", E2), "edge2-ndeath", 1, False))
        # Its own topics work (so the refusals below are about the topics, not the client).
        own = sp(G2, "NDATA", E2)
        p = self.expect_pub("e2", own, True, tag="NDATA")
        self.expect_recv("host", own, p)
        # Not as the first node: other group and node, own group + other node id, other
        # group + own node id.
        forged = []
        for t in (sp(G1, "NDATA", E1), sp(G2, "NDATA", E1), sp(G1, "NDATA", E2),
                  sp(G1, "NBIRTH", E1), sp(G1, "NDEATH", E1), sp(G1, "DDATA", E1, "Dev1")):
            forged.append((t, self.expect_pub("e2", t, False, tag="forged")))
        # No commands, to anyone (itself included).
        for t in (sp(G1, "NCMD", E1), sp(G1, "DCMD", E1, "Dev1"), sp(G2, "NCMD", E2)):
            forged.append((t, self.expect_pub("e2", t, False, tag="forged")))
        # It cannot read Edge1's commands: these filters match only Edge1's.
        for f in (sp(G1, "NCMD", E1), sp(G1, "NCMD", E1) + "/#", sp(G1, "DCMD", E1) + "/#",
                  sp(G1, "DCMD", E1, "+")):
            self.expect_sub("e2", f, False)
        # Wide filters overlap its own NCMD and the STATE topics, so SPEC 3 grants them;
        # delivery is checked per message and must not give it Edge1's traffic.
        self.expect_sub("e2", STATE3, True)
        self.expect_sub("e2", "spBv1.0/+/NCMD/#", True)
        self.expect_sub("e2", sp(G2, "DCMD", E2) + "/#", True)
        rc = self.c["e2"].subscribe("spBv1.0/#")
        rc = rc[0] if rc else None
        self.rows.append([self.step, E2, "subscribe", "spBv1.0/#", "granted or refused (info)",
                          h.rc_name(rc), "info"])
        self.expect_recv("e2", STATE3, '{"online":true,"timestamp":1}', retained=True,
                         what="receive STATE on subscribe")
        p_cmd1 = self.expect_pub("host", sp(G1, "NCMD", E1), True, tag="NCMD-for-Edge1")
        p_dcmd1 = self.expect_pub("host", sp(G1, "DCMD", E1, "Dev1"), True, tag="DCMD-for-Edge1")
        p_data1 = self.expect_pub("e1", sp(G1, "NDATA", E1), True, tag="NDATA-of-Edge1")
        self.expect_recv("e1", sp(G1, "NCMD", E1), p_cmd1)
        # Sentinel for Edge2: a command of its own, sent after the others.
        own_cmd = sp(G2, "NCMD", E2)
        p_cmd2 = self.expect_pub("host", own_cmd, True, tag="NCMD-for-Edge2")
        self.expect_recv("e2", own_cmd, p_cmd2, what="receive own NCMD (sentinel)")
        self.quiet()
        self.expect_no_recv("e2", sp(G1, "NCMD", E1), what="receive Edge1's NCMD")
        self.expect_no_recv("e2", sp(G1, "DCMD", E1, "Dev1"), what="receive Edge1's DCMD")
        self.expect_no_recv("e2", sp(G1, "NDATA", E1), what="receive Edge1's NDATA")
        # And none of the refused publishes reached the host (its sentinel: Edge2's NCMD,
        # which it also reads through spBv1.0/#).
        self.expect_recv("host", own_cmd, p_cmd2, what="receive sentinel")
        for t, p in forged:
            self.expect_no_recv("host", t, p, what="receive forged")
        self.done()

    def test_06_client_id_takeover(self):
        since = self.broker.log_offset()
        victim = self.c["e1"]
        cl, r = self.connect(None, E2, client_id=victim.client_id, expect_ok=False)
        self.record(E2, "connect with Edge1's client id", "-", "refused (0x87)",
                    h.rc_name(r.rc) if r.rc is not None else r.error, r.rc == REFUSED)
        cl.close()
        # Edge1 is still connected and no NDEATH was sent for it: its next NDATA reaches
        # the host, and no NDEATH before it.
        t = sp(G1, "NDATA", E1)
        p = self.expect_pub("e1", t, True, tag="after-takeover")
        self.expect_recv("host", t, p, what="receive (Edge1 still online)")
        self.record(E1, "still connected", "-", "yes", "yes" if victim.connected() else "NO",
                    victim.connected())
        self.expect_no_recv("host", sp(G1, "NDEATH", E1), "edge1-ndeath", what="receive Edge1's will")
        line = self.broker.wait_log(r"certacl: refused CONNECT from client '%s'"
                                    % re.escape(victim.client_id), since)
        self.record(E2, "takeover refusal logged", "-", "certacl: refused CONNECT",
                    "logged" if line else "not logged", line is not None)
        self.done()

    def test_07_forged_and_retained_wills(self):
        # Edge2's certificate, its own client id, a will on Edge1's NDEATH: the will is
        # checked when it is sent, against Edge2's rights, and dropped.
        since = self.broker.log_offset()
        forger, _ = self.connect("forger", E2, will=(sp(G1, "NDEATH", E1), "forged-ndeath", 1, False))
        # Edge3 (Plant1) with its own NDEATH as will, but retained: retain=no refuses it.
        ret, _ = self.connect("e3-retained-will", E3, will=(sp(G1, "NDEATH", E3), "retained-ndeath", 1, True))
        forger.kill()
        ret.kill()
        for t, user in ((sp(G1, "NDEATH", E1), E2), (sp(G1, "NDEATH", E3), E3)):
            line = self.broker.wait_log(r"certacl: denied write on '%s' .*user '%s'"
                                        % (re.escape(t), user), since)
            self.record(user, "will sent at kill", t, "refused (logged)",
                        "logged" if line else "no denial logged", line is not None)
        # Sentinel: Edge1 data after both wills were decided.
        t = sp(G1, "NDATA", E1)
        p = self.expect_pub("e1", t, True, tag="sentinel")
        self.expect_recv("host", t, p, what="receive sentinel")
        self.expect_recv("viewer", t, p, what="receive sentinel")
        self.quiet()
        for who in ("host", "viewer"):
            self.expect_no_recv(who, sp(G1, "NDEATH", E1), "forged-ndeath", what="receive forged will")
            self.expect_no_recv(who, sp(G1, "NDEATH", E3), "retained-ndeath", what="receive retained will")
        self.done()

    def test_08_nothing_retained_on_data_topics(self):
        # A new subscriber to the data topics gets no retained message (the retained
        # publishes of step 2 were refused); the STATE filter after them is the sentinel:
        # retained messages are sent in the order of the filters.
        cl, _ = self.connect("viewer2", VIEWER)
        filters = [sp(G1, "NDATA", E1), sp(G1, "DDATA", E1, "+"), sp(G1, "NBIRTH", E1), STATE3]
        codes = cl.subscribe(filters)
        self.record(VIEWER, "subscribe", "NDATA, DDATA/+, NBIRTH of Edge1; STATE", "granted",
                    " ".join(h.rc_name(c).split()[0] for c in codes) if codes else "none",
                    bool(codes) and all(h.suback_granted(c) for c in codes))
        self.expect_recv("viewer2", STATE3, '{"online":true,"timestamp":1}', retained=True,
                         what="receive retained STATE (sentinel)")
        self.quiet()
        got = [m for m in cl.received() if m[3] and m[0] != STATE3]
        self.record(VIEWER, "retained on subscribe", "data topics", "none",
                    "none" if not got else "RETAINED %s" % got, not got)
        self.done()

    def test_09_killed_edge_node_ndeath(self):
        e1 = self.c["e1"]
        since = self.broker.log_offset()
        e1.kill()
        t = sp(G1, "NDEATH", E1)
        self.expect_recv("host", t, "edge1-ndeath", retained=False, what="receive will (NDEATH)")
        self.expect_recv("viewer", t, "edge1-ndeath", retained=False, what="receive will (NDEATH)")
        denied = self.broker.find_log(r"certacl: denied write on '%s'" % re.escape(t), since)
        self.record(E1, "will decision", t, "allowed (no denial logged)",
                    "denied: %s" % denied[0] if denied else "allowed", not denied)
        # Everyone else is still connected: nothing above disconnected them.
        for key in ("host", "viewer", "e2"):
            cl = self.c[key]
            self.record(cl.name, "still connected", "-", "yes", "yes" if cl.connected() else "NO",
                        cl.connected())
        self.done()

    def test_10_birth_certificates(self):
        for who in ("host", "viewer"):
            self.expect_sub(who, CERTIFICATES + "#", True)
        self.expect_sub("e2", CERTIFICATES + "#", False)
        forged = CERTIFICATES + sp(G2, "NBIRTH", E2)
        for who in ("host", "viewer", "e2"):
            self.expect_pub(who, forged, False, retain=True)
        if not sparkplug_aware_available():
            self.record("-", "republish births", CERTIFICATES, "n/a: no sparkplug-aware plugin in "
                        "mosquitto %s" % ".".join(map(str, h.broker_version())), "n/a", True)
            self.done()
            return
        # Edge1's births of step 2 were kept, retained; Edge2's new NBIRTH arrives live.
        for who in ("host", "viewer"):
            for t in (sp(G1, "NBIRTH", E1), sp(G1, "DBIRTH", E1, "Dev1")):
                m = self.c[who].wait_message(lambda m, t=t: m[0] == CERTIFICATES + t)
                self.record(self.c[who].name, "receive on subscribe", CERTIFICATES + t,
                            "delivered (retained)", "nothing" if m is None else
                            "delivered (%s)" % ("retained" if m[3] else "live"), m is not None and m[3])
        p = self.expect_pub("e2", sp(G2, "NBIRTH", E2), True, tag="NBIRTH")
        for who in ("host", "viewer"):
            self.expect_recv(who, CERTIFICATES + sp(G2, "NBIRTH", E2), p)
        self.done()


if __name__ == "__main__":
    h.main()
