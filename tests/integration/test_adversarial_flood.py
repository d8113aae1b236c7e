#!/usr/bin/env python3
"""A flood of denied publishes (issue 7 item 3; SPEC section 5 "rate-limited so a flood
cannot fill disks").

One client (raw MQTT over TLS, so that Python is fast enough) sends 20,000 QoS 0 and 200
QoS 1 PUBLISH packets on topics it may not write, paced over about three seconds. The
broker logs what an operator with `log_type error/warning/notice/information` sees
(mosquitto's own per-message lines are debug level: not counted here). Checks:
- every QoS 1 publish gets PUBACK 0x87 (each one was decided and denied);
- during the flood and after it, another client's publish -> delivery round trip and a
  SUBSCRIBE round trip complete within ROUND_TRIP_BOUND seconds;
- the flooder's `certacl: denied` lines number at most log_per_client (10) per 10 s
  window, and under 100 in all; the `further audit lines suppressed` summaries (at each
  window's end and when the client goes) account for every other denial: lines +
  suppressed = 20,200 exactly; the whole log grows by fewer than 200 lines.
Without the rate limit the log gets 20,200 certacl lines: the test fails. (Against stock
mosquitto there are no certacl lines at all: the test fails on the missing audit.)
"""

import math
import os
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import advhelpers as ah  # noqa: E402

ACL = """# test_adversarial_flood
user flooder
topic read own/#

user probe
topic readwrite probe/#
"""

N_QOS0 = 20000
N_QOS1 = 200
CHUNK = 500
PACE = 3.0                 # seconds over which the QoS 0 packets are spread
ROUND_TRIP_BOUND = 2.0     # seconds
LOG_PER_CLIENT = 10        # certacl's default plugin_opt_log_per_client
WINDOW = 10                # seconds of certacl's per-client audit window


def setUpModule():
    global ENV, ACL_PATH
    ENV = h.CertEnv(["flooder", "probe"])
    ACL_PATH = ENV.write("acl", ACL)


def tearDownModule():
    ENV.cleanup()


class Flood(ah.Case):
    @classmethod
    def setUpClass(cls):
        cls.env = ENV
        cls.clients = h.Clients()
        cls.broker = h.track(ah.Broker(ENV, name="flood", acl_files=[ACL_PATH],
                                       log_types=["error", "warning", "notice", "information"]))
        cls.broker.start()
        h.log("[flood] broker pid %d, port %d" % (cls.broker.pid, cls.broker.port))

    def round_trip(self, probe):
        """publish -> own delivery; returns seconds (inf when it did not come back)."""
        type(self).seq += 1
        s = "rt-%d" % self.seq
        t0 = time.monotonic()
        rc = probe.publish("probe/rt", s, timeout=ROUND_TRIP_BOUND)
        got = probe.wait_message(lambda m: m[1] == s, timeout=ROUND_TRIP_BOUND)
        dt = time.monotonic() - t0
        return dt if (h.publish_allowed(rc) and got) else math.inf

    def test_flood_of_denied_publishes(self):
        probe = self.connect_ok("probe", user="probe")
        self.sub(probe, "probe/#", True)
        self.assertLess(self.round_trip(probe), ROUND_TRIP_BOUND, "round trip before the flood")

        fid = h.unique_id("flood")
        flooder = ah.Raw(self.env, self.broker.port, cert="flooder", timeout=10)
        self.assertEqual(flooder.connect(fid.encode()), 0, "flooder connect: %s" % flooder.error)
        since = self.broker.log_offset()
        lines_before = len(self.broker.log_lines())
        result = {}

        def flood():
            t0 = time.monotonic()
            chunks = N_QOS0 // CHUNK
            for c in range(chunks):
                data = b"".join(ah.publish_packet(b"forbidden/%d/%d" % (c, i), b"x" * 16)
                                for i in range(CHUNK))
                if not flooder.send(data):
                    result["error"] = flooder.error
                    return
                time.sleep(max(0.0, t0 + PACE * (c + 1) / chunks - time.monotonic()))
            codes = []
            for b in range(N_QOS1 // 10):       # 10 in flight at a time (receive maximum 20)
                mids = [flooder.publish(b"forbidden/q1/%d" % (b * 10 + i), b"y", qos=1, wait=False)
                        for i in range(10)]
                for mid in mids:
                    want = mid.to_bytes(2, "big")
                    p = flooder.wait_for(ah.PUBACK, match=lambda body: body[:2] == want)
                    codes.append(None if p is None else (p[2][2] if len(p[2]) > 2 else 0))
            result["codes"] = codes
            result["seconds"] = time.monotonic() - t0

        th = threading.Thread(target=flood, name="flooder", daemon=True)
        th.start()
        trips = []
        while th.is_alive() and len(trips) < 1000:
            trips.append(self.round_trip(probe))
            time.sleep(0.05)
        th.join(timeout=60)
        self.assertFalse(th.is_alive(), "the flood did not finish in 60 s")
        self.assertNotIn("error", result, "flood send failed: %s" % result.get("error"))
        secs = result["seconds"]
        h.log("  flood: %d QoS 0 + %d QoS 1 denied publishes in %.2f s (%.0f/s)"
              % (N_QOS0, N_QOS1, secs, (N_QOS0 + N_QOS1) / secs))
        h.log("  round trips during the flood: %d, max %.3f s, median %.3f s"
              % (len(trips), max(trips) if trips else -1, sorted(trips)[len(trips) // 2] if trips else -1))
        codes = result["codes"]
        self.assertEqual(len(codes), N_QOS1)
        bad = [c for c in codes if c != h.RC_NOT_AUTHORIZED]
        self.assertEqual(bad, [], "QoS 1 flood publishes not answered 0x87: %s" % bad[:10])
        self.assertGreater(len(trips), 0, "no round trip ran during the flood")
        self.assertLess(max(trips), ROUND_TRIP_BOUND, "the broker stalled during the flood: %s" % trips)
        # after the flood: publish and subscribe round trips
        self.assertLess(self.round_trip(probe), ROUND_TRIP_BOUND, "round trip after the flood")
        t0 = time.monotonic()
        self.sub(probe, "probe/after/#", True)
        self.assertLess(time.monotonic() - t0, ROUND_TRIP_BOUND, "SUBSCRIBE round trip after the flood")

        # the flooder goes: its suppressed count is summarised
        flooder.disconnect()
        summary_rx = r"certacl: client '%s' user 'flooder': (\d+) further audit lines suppressed" % re.escape(fid)
        last = self.broker.wait_log(summary_rx, since, timeout=h.WAIT)
        self.assertIsNotNone(last, "no 'further audit lines suppressed' summary for the flooder")
        denied = self.broker.find_log(r"certacl: denied write on 'forbidden/.* client '%s'" % re.escape(fid), since)
        summaries = self.broker.find_log(summary_rx, since)
        suppressed = sum(int(re.search(summary_rx, l).group(1)) for l in summaries)
        added = len(self.broker.log_lines()) - lines_before
        windows = int(secs // WINDOW) + 2
        h.log("  audit: %d 'denied' lines, %d summaries accounting for %d suppressed; the log "
              "grew by %d lines" % (len(denied), len(summaries), suppressed, added))
        for l in denied[:2] + summaries:
            h.log("    %s" % l[:200])
        self.assertGreater(len(denied), 0, "no audit line at all for the flooder")
        self.assertLessEqual(len(denied), LOG_PER_CLIENT * windows,
                             "more than %d denied lines per %d s window" % (LOG_PER_CLIENT, WINDOW))
        self.assertLess(len(denied), 100)
        self.assertEqual(len(denied) + suppressed, N_QOS0 + N_QOS1,
                         "audit lines + suppressed should count every denial")
        self.assertLess(added, 200, "the log grew by %d lines during the flood" % added)
        self.assertTrue(self.broker.alive())


if __name__ == "__main__":
    h.main()
