#!/usr/bin/env python3
"""What certacl relies on in each mosquitto version (issue 11; README "Supported mosquitto
versions"; ../shared/MOSQUITTO-VERSIONS.md). Runs against whichever broker the suite is
pointed at (Debian 12's 2.0.11, or 2.0.21 / 2.1.x through scripts/matrix) and asserts
that version's behaviour:

- start-up: certacl says which broker generation it found; 2.1 names the plugin;
- RELOAD: one SIGHUP reloads certacl once and the broker keeps running (2.1 stops on any
  RELOAD answer but success; 2.0 needs "defer"), and the built-in password_file after
  certacl is reloaded too (the chain goes on past certacl on every version); connected
  clients are re-authenticated (a certificate now denied is disconnected);
- TICK: the $SYS/broker/certacl/ counters are published with per_listener_settings false
  on every version, and with per_listener_settings true from 2.0.15 (2.0.11 sends no TICK
  then);
- a persistent-session client that goes away is seen to go (2.1 sends CLIENT_OFFLINE, not
  DISCONNECT): clients/live returns to 0;
- password clients (no_cert defer): a refused one releases its client id at once where the
  broker names it in DISCONNECT (2.0.13+), and only after the 10-second claim on 2.0.11; an
  accepted one that has made no ACL check keeps its id past the claim on 2.1 (CONNECT
  event), and loses it after 10 s on 2.0 (the documented gap).
"""

import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402
import advhelpers as adv  # noqa: E402

PASSWORDS = {"HMI": "hmi-secret", "SparkplugViewer": "viewer-secret"}
CLAIM_GRACE = 10  # CERTACL_CLAIM_GRACE in include/certacl/clients.h

# HMI's section is last: the reload test appends a rule to it.
ACL = """user MyEACM
topic readwrite spBv1.0/#
topic read $SYS/broker/certacl/#

user SparkplugViewer
topic read spBv1.0/#

user HMI
topic readwrite STATE/+
"""


def setUpModule():
    global ENV
    ENV = h.CertEnv(["MyEACM", "SparkplugViewer", "HMI"])
    h.log("broker under test: mosquitto %s%s" % (".".join(map(str, h.broker_version())),
                                                 " in %s" % h.BROKER_ROOT if h.BROKER_ROOT else ""))


def tearDownModule():
    ENV.cleanup()


def counter(cl, name, value=None, since=0, timeout=h.WAIT):
    """Wait for $SYS/broker/certacl/NAME (with payload `value` when given) among the
    messages `cl` received after its first `since`; return the payload or None."""
    topic = "$SYS/broker/certacl/" + name
    def found():
        return [m for m in cl.received(topic)[since:] if value is None or m[1] == value]
    got = h.wait_until(found, timeout)
    return got[0][1] if got else None


class Generation(ih.Case):
    """Global plugin, password_file after it, a second listener without certificates."""

    @classmethod
    def setUpClass(cls):
        cls.acl = ENV.path("versions.acl")
        ih.write_atomic(cls.acl, ACL)
        cls.pw = ih.password_file(ENV.path("versions.passwords"), PASSWORDS)
        cls.denied = ENV.path("versions.denied")
        ih.write_atomic(cls.denied, "")
        cls.start_broker(ENV, "versions", acl_files=[cls.acl],
                         plugin_opts=[("no_cert", "defer"), ("stats_interval", "1"),
                                      ("deny_list", cls.denied)],
                         listeners=[{"require_certificate": True}, {"require_certificate": False}],
                         global_lines=["password_file %s" % cls.pw])
        cls.pw_port = cls.broker.ports[1]

    def test_startup_names_the_broker_generation(self):
        gen = "2.1" if h.broker_is_21() else "2.0"
        line = self.broker.wait_log(r"certacl: loaded .* running in a mosquitto %s broker" % gen)
        h.log("  %s" % line)
        self.assertIsNotNone(line, "certacl did not find a %s broker:\n%s" % (gen, self.broker.tail(20)))
        if h.broker_is_21():
            self.assertIsNotNone(self.broker.wait_log(r"Plugin certacl version \S+ loaded"),
                                 "2.1 did not log the plugin's name (mosquitto_plugin_set_info)")

    def test_sighup_reloads_once_keeps_broker_and_chain(self):
        hmi = self.connect_ok("HMI", user="HMI")
        self.assert_pub(hmi, "STATE/h1", allowed=True)
        viewer = self.connect_ok("SparkplugViewer", user="SparkplugViewer")
        # certacl's file gains a rule, the password file a new password, and the deny
        # list the viewer's certificate
        ih.write_atomic(self.acl, ACL + "topic write spBv1.0/G9/#\n")
        ih.password_file(self.pw, dict(PASSWORDS, HMI="new-secret"))
        ih.write_atomic(self.denied, ih.fingerprint_line(ENV.cert("SparkplugViewer")[0]) + "\n")
        since, line = self.broker.reload()
        self.assertIsNotNone(line, "no 'certacl: reloaded' after SIGHUP:\n%s" % self.broker.tail(20))
        h.wait_until(lambda: False, 3 * h.QUIET)
        self.assertTrue(self.broker.alive(), "the broker stopped on SIGHUP:\n%s" % self.broker.tail(20))
        reloads = self.broker.find_log(r"certacl: reloaded", since)
        skipped = self.broker.find_log(r"certacl: reload: same files", since)
        h.log("  one SIGHUP: %d reload(s), %d RELOAD event(s) skipped as duplicates"
              % (len(reloads), len(skipped)))
        self.assertEqual(len(reloads), 1, "one SIGHUP should rebuild the policy once")
        self.assertEqual(len(skipped), 0, "a global plugin gets one RELOAD per SIGHUP")
        self.assertFalse(self.broker.find_log(r"produced error on reload", since))
        # certacl's new policy applies to the client that stayed connected
        self.assert_still_connected(hmi, "STATE/h1", "HMI after SIGHUP")
        self.assert_pub(hmi, "spBv1.0/G9/NDATA/E1", allowed=True)
        # re-authentication: the now-denied certificate was disconnected
        self.assertTrue(viewer.wait_disconnected(), "the denied viewer was not disconnected by SIGHUP")
        # the chain went on past certacl: the built-in password file was reloaded
        cl, r = self.connect(None, port=self.pw_port, username="HMI", password="new-secret")
        self.assertEqual(r.rc, 0, "the new password of HMI does not work after SIGHUP: %r" % r)
        cl, r = self.connect(None, port=self.pw_port, username="HMI", password=PASSWORDS["HMI"])
        self.assertNotEqual(r.rc, 0, "the old password of HMI still works after SIGHUP")

    def test_refused_password_client_releases_its_id(self):
        cid = h.unique_id("console")
        cl, r = self.connect(None, port=self.pw_port, username="HMI", password="wrong", client_id=cid)
        self.assertNotEqual(r.rc, 0)
        cl, r = self.connect("MyEACM", client_id=cid)
        held = h.broker_version() < (2, 0, 13)
        h.log("  a certificate client takes the id of a refused password client at once: %r "
              "(expected %s)" % (r, "refused: 2.0.11 names no client in DISCONNECT" if held else "ok"))
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED if held else 0)

    def test_accepted_password_client_keeps_its_id(self):
        cid = h.unique_id("console")
        cl, r = self.connect(None, port=self.pw_port, username="HMI", password=PASSWORDS["HMI"],
                             client_id=cid)
        self.assertEqual(r.rc, 0)
        time.sleep(CLAIM_GRACE + 1)  # no ACL check in between: only CONNECT can confirm it
        other, r = self.connect("MyEACM", client_id=cid)
        kept = h.broker_is_21()
        h.log("  after %d s, MyEACM asks for the id of the idle password client: %r (expected %s)"
              % (CLAIM_GRACE + 1, r, "refused: 2.1's CONNECT confirmed it" if kept
                 else "ok: 2.0 sends no CONNECT event, the claim lapsed"))
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED if kept else 0)
        self.assertEqual(cl.wait_disconnected(h.QUIET * 3), not kept)


class Counters(ih.Case):
    """A broker of its own, so that clients/live counts only this test's clients."""

    @classmethod
    def setUpClass(cls):
        acl = ENV.path("counters.acl")
        ih.write_atomic(acl, ACL)
        cls.start_broker(ENV, "counters", acl_files=[acl], plugin_opts=[("stats_interval", "1")])

    def test_counters_published_and_offline_session_seen_to_go(self):
        eacm = self.connect_ok("MyEACM", user="MyEACM")
        codes = eacm.subscribe("$SYS/broker/certacl/#")
        self.assertTrue(codes and h.suback_granted(codes[0]), "subscribe $SYS/broker/certacl/#: %s" % codes)
        self.assertIsNotNone(counter(eacm, "clients/live", "1"), "no counters published (TICK)")
        sess = adv.SessionClient(ENV, self.broker.port, "HMI", session_expiry=300)
        self.clients.add(sess)
        self.assertEqual(sess.connect().rc, 0)
        self.assertIsNotNone(counter(eacm, "clients/live", "2"), "clients/live did not count 2")
        seen = len(eacm.received("$SYS/broker/certacl/clients/live"))
        sess.close()
        got = counter(eacm, "clients/live", "1", since=seen)
        h.log("  clients/live after the persistent-session client left: %s" % got)
        self.assertEqual(got, "1", "a persistent session that went offline still counts as live "
                         "(2.1 sends CLIENT_OFFLINE, not DISCONNECT)")


class PerListener(ih.Case):
    """per_listener_settings true (deprecated in 2.1): certacl on the listener."""

    @classmethod
    def setUpClass(cls):
        acl = ENV.path("per-listener.acl")
        ih.write_atomic(acl, ACL)
        cls.start_broker(ENV, "per-listener", acl_files=[acl], plugin_opts=[("stats_interval", "1")],
                         per_listener_settings=True)

    def test_decisions_and_ticks(self):
        eacm = self.connect_ok("MyEACM", user="MyEACM")
        self.assert_pub(eacm, "spBv1.0/G1/NDATA/E1", allowed=True)
        self.assert_pub(eacm, "STATE/h1", allowed=False)
        codes = eacm.subscribe("$SYS/broker/certacl/#")
        self.assertTrue(codes and h.suback_granted(codes[0]))
        ticks = h.broker_version() >= (2, 0, 15)
        got = counter(eacm, "policy/rules", timeout=h.WAIT if ticks else 3.0)
        h.log("  counters with per_listener_settings true: %r (expected %s)"
              % (got, "published" if ticks else "none: 2.0.11 sends no TICK"))
        self.assertEqual(got is not None, ticks)


if __name__ == "__main__":
    h.main()
