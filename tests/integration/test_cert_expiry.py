#!/usr/bin/env python3
"""Certificates that expire while their connection lives (issue 14 items 1-2; README
"Certificate expiry on live connections").

mosquitto checks a client certificate only at the TLS handshake. Each scenario gets its
own broker, all running at once; the short-lived certificates are issued by the test CA
with `openssl ca` (idhelpers.OpenSSLCA: valid from a minute ago until SHORT seconds
from now), just before
their clients connect:

- cut (defaults): the client is disconnected within seconds of its notAfter, its will
  reaches a subscriber (for Sparkplug: the true NDEATH), the audit line names the client,
  user, serial and notAfter; $SYS/broker/certacl/certificates/ counts it first among the
  certificates expiring within a day, then as disconnected; a client whose certificate
  has 10 days left gets exactly one warning line;
- log (plugin_opt_expired log): the expired client stays connected, and it is logged;
- per-listener (per_listener_settings true): from 2.0.15 the broker ticks and the client
  is cut as above; 2.0.11 sends no TICK, so certacl denies the expired client every ACL
  check instead (its publish gets 0x87) and says so in the log.
"""

import datetime
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

SHORT = 10  # seconds a short-lived certificate is valid after it is issued
SCAN = 5    # certacl looks for expired certificates every SCAN seconds (expiry.c)
NO_TICK_AFTER = 15  # seconds after start without TICK before 2.0.11's fallback applies

ACL = """user Watcher
topic read wills/#
topic read $SYS/broker/certacl/#

user Short
topic readwrite short/#
topic write wills/#

user Soon
topic readwrite soon/#
"""

def setUpModule():
    global ENV
    ENV = h.CertEnv(["Watcher"])
    ENV.add_clients(["Soon"], extra=["--days", "10"])


def tearDownModule():
    ENV.cleanup()


class Expiry(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.env = ENV
        cls.clients = h.Clients()
        acl = ENV.path("expiry.acl")
        ih.write_atomic(acl, ACL)
        common = [("stats_interval", "1")]
        cls.brokers = {
            "cut": ih.Broker(ENV, name="cut", acl_files=[acl], plugin_opts=common),
            "log": ih.Broker(ENV, name="log", acl_files=[acl], plugin_opts=common + [("expired", "log")]),
            "per-listener": ih.Broker(ENV, name="per-listener", acl_files=[acl], plugin_opts=common,
                                      per_listener_settings=True),
        }
        cls.started = time.time()
        for b in cls.brokers.values():
            h.track(b).start()
        # one short-lived certificate; every scenario's client connects with it at once
        cls.not_after = int(time.time()) + SHORT
        ih.OpenSSLCA(ENV).issue("Short", cls.not_after)
        cls.short = {}
        for name, b in cls.brokers.items():
            cl = ih.client(ENV, b.port, "Short", will=("wills/short", "short-died", 1, False),
                           client_id=h.unique_id("short-" + name))
            cls.clients.add(cl)
            r = cl.connect()
            if r.rc != 0:
                raise h.BrokerError("Short could not connect to %s: %r" % (name, r))
            cls.short[name] = cl
        h.log("Short's certificate: notAfter %s (%d s from now)"
              % (ih.asn1_time(cls.not_after), cls.not_after - time.time()))

    @classmethod
    def tearDownClass(cls):
        cls.clients.close()
        for b in cls.brokers.values():
            b.stop()

    def watcher(self, name):
        b = self.brokers[name]
        cl = ih.client(ENV, b.port, "Watcher")
        self.clients.add(cl)
        self.assertEqual(cl.connect().rc, 0)
        codes = cl.subscribe(["wills/#", "$SYS/broker/certacl/#"])
        self.assertTrue(codes and all(h.suback_granted(c) for c in codes), "Watcher subscribe: %s" % codes)
        return cl

    def until_expired(self, extra):
        """Wait until `extra` seconds past Short's notAfter."""
        time.sleep(max(0.0, self.not_after + extra - time.time()))

    def counter(self, cl, name, pred):
        topic = "$SYS/broker/certacl/certificates/" + name
        m = cl.wait_message(lambda m: m[0] == topic and pred(m[1]), timeout=2 * h.WAIT)
        return m[1] if m else None

    def test_cut_with_will_audit_and_counters(self):
        b = self.brokers["cut"]
        w = self.watcher("cut")
        soon = ih.client(ENV, b.port, "Soon")
        self.clients.add(soon)
        self.assertEqual(soon.connect().rc, 0)
        short = self.short["cut"]
        self.assertTrue(h.publish_allowed(short.publish("short/1", "before")), "Short before its notAfter")
        got = self.counter(w, "earliest_not_after", lambda v: v == str(self.not_after))
        self.assertEqual(got, str(self.not_after), "earliest_not_after is not Short's notAfter")
        self.assertIsNotNone(self.counter(w, "expiring/1d", lambda v: int(v) >= 1))
        self.until_expired(0)
        gone = short.wait_disconnected(SCAN + 2 * h.WAIT)
        cut_after = time.time() - self.not_after
        h.log("  Short disconnected %.1f s after its notAfter: %s" % (cut_after, gone))
        self.assertTrue(gone, "Short is still connected %.0f s after its notAfter" % cut_after)
        self.assertLess(cut_after, 60)
        will = w.wait_message(lambda m: m[0] == "wills/short")
        self.assertIsNotNone(will, "Short's will was not delivered when it was cut")
        line = b.wait_log(r"certacl: client '%s' user 'Short' \(address [^,]+, certificate serial [0-9a-f]+\): "
                          r"certificate expired at %s \(notAfter\): disconnecting"
                          % (short.client_id, datetime.datetime.fromtimestamp(
                              self.not_after, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")))
        h.log("  %s" % line)
        self.assertIsNotNone(line, "no audit line for the expired certificate:\n%s" % b.tail(15))
        self.assertIsNotNone(self.counter(w, "expired_disconnected", lambda v: v == "1"))
        # Soon (10 days left) was warned once, however many scans went by
        warned = b.find_log(r"certacl: client '%s' user 'Soon' .*certificate expires at" % soon.client_id)
        h.log("  warnings for Soon: %d" % len(warned))
        self.assertEqual(len(warned), 1, "Soon should be warned exactly once a day")
        self.assertTrue(soon.connected())

    def test_log_mode_keeps_the_client(self):
        b = self.brokers["log"]
        short = self.short["log"]
        self.until_expired(SCAN + 1)
        line = b.wait_log(r"certacl: client '%s' user 'Short' .*certificate expired at .*still connected"
                          % short.client_id, timeout=SCAN + h.WAIT)
        h.log("  %s" % line)
        self.assertIsNotNone(line, "no log line for the expired certificate (expired log)")
        self.assertTrue(short.connected(), "plugin_opt_expired log disconnected the client")
        self.assertTrue(h.publish_allowed(short.publish("short/2", "after")))

    def test_per_listener_settings(self):
        b = self.brokers["per-listener"]
        short = self.short["per-listener"]
        ticks = h.broker_version() >= (2, 0, 15)
        if ticks:
            self.until_expired(0)
            self.assertTrue(short.wait_disconnected(SCAN + 2 * h.WAIT),
                            "per_listener_settings true: Short not cut after its notAfter")
            return
        # 2.0.11: no TICK; once the fallback applies, every ACL check of Short is denied
        self.until_expired(1)
        time.sleep(max(0.0, self.started + NO_TICK_AFTER + 1 - time.time()))
        rc = short.publish("short/3", "after")
        h.log("  2.0.11, no TICK: Short publishes after its notAfter -> %s" % h.rc_name(rc))
        self.assertEqual(rc, h.RC_NOT_AUTHORIZED)
        self.assertIsNotNone(b.wait_log(r"certacl: the broker sends no TICK event"))
        self.assertIsNotNone(b.wait_log(r"user 'Short' .*certificate expired at .*every ACL check denied"))


if __name__ == "__main__":
    h.main()
