#!/usr/bin/env python3
"""Reload on SIGHUP (SPEC section 5): re-read the ACL files, swap atomically, keep the
last good policy when the new one is broken; existing connections stay connected when
their identity is still fine, and their decisions follow the new policy.
"""

import os
import re
import shutil
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

# The seed file with two changes: SparkplugViewer loses `topic read spBv1.0/#`, and
# MyEACM gains write on STATE/+.
EDITED = """user MyEACM
topic readwrite STATE/+
topic readwrite spBv1.0/#

user SparkplugViewer
topic read STATE/+

user HMI
topic readwrite STATE/+
topic readwrite spBv1.0/#
"""

# Broken on line 6 (a '#' that is not the last level). Were it half-loaded, the viewer
# could read spBv1.0/# and write STATE/+, and MyEACM and HMI would lose their rights.
BROKEN = """user SparkplugViewer
topic read spBv1.0/#
topic readwrite STATE/+

user MyEACM
topic read spBv1.0/#/x
"""
BROKEN_LINE = 6

SPB = "spBv1.0/G1/NDATA/E1"
STATE = "STATE/host1"


class Reload(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = h.CertEnv(["MyEACM", "SparkplugViewer", "HMI"])
        cls.acl = cls.env.path("acl")
        shutil.copyfile(h.SEED_ACL, cls.acl)
        cls.broker = h.track(h.Broker(cls.env, acl_files=[cls.acl]))
        cls.broker.start()
        cls.clients = h.Clients()
        cls.seq = 0

    @classmethod
    def tearDownClass(cls):
        cls.clients.close()
        cls.broker.stop()
        cls.env.cleanup()

    def connect(self, cert):
        cl, r = h.connect(self.env, self.broker.port, cert)
        self.assertEqual(r.rc, 0, "%s: %r" % (cert, r))
        self.clients.add(cl)
        return cl

    def delivered(self, publisher, receiver, topic):
        """Does `receiver` get a message `publisher` sends on `topic`? Decided with a
        sentinel on STATE/host1 (which the receiver must be able to read) sent after it."""
        type(self).seq += 1
        payload = "m%d" % self.seq
        sentinel = "s%d" % self.seq
        rc = publisher.publish(topic, payload)
        self.assertTrue(h.publish_allowed(rc), "publish %s: %s" % (topic, h.rc_name(rc)))
        rc = publisher.publish(STATE, sentinel)
        self.assertTrue(h.publish_allowed(rc), "publish sentinel: %s" % h.rc_name(rc))
        self.assertIsNotNone(receiver.wait_message(lambda m: m[1] == sentinel),
                             "%s did not get the sentinel on %s" % (receiver.name, STATE))
        return payload in receiver.payloads()

    def reload(self, pattern):
        since = self.broker.sighup()
        line = self.broker.wait_log(pattern, since)
        return since, line

    def write_acl(self, text):
        tmp = self.acl + ".new"
        with open(tmp, "w") as f:
            f.write(text)
        os.replace(tmp, self.acl)

    def test_reload(self):
        # ---- before: the seed policy
        hmi = self.connect("HMI")
        eacm = self.connect("MyEACM")
        viewer = self.connect("SparkplugViewer")
        codes = viewer.subscribe(["STATE/+", "spBv1.0/#"])
        self.assertTrue(codes and all(h.suback_granted(c) for c in codes), "viewer subscribe: %s" % codes)
        self.assertTrue(self.delivered(hmi, viewer, SPB), "seed: viewer reads spBv1.0/#")
        self.assertEqual(eacm.publish(STATE, "x"), h.RC_NOT_AUTHORIZED, "seed: MyEACM may not write STATE")

        # ---- a good edit
        self.write_acl(EDITED)
        since, line = self.reload(r"certacl: reloaded")
        self.assertIsNotNone(line, "no 'certacl: reloaded' after SIGHUP")
        self.assertEqual(self.broker.find_log(r"certacl: reload failed", since), [])
        # mosquitto re-authenticates every client after SIGHUP; none may be dropped, and
        # none may be refused by the plugin.
        h.wait_until(lambda: False, h.QUIET)
        for cl in (hmi, eacm, viewer):
            self.assertTrue(cl.connected(), "%s was disconnected by the reload" % cl.name)
        self.assertEqual(self.broker.find_log(r"certacl: refused CONNECT", since), [])

        # existing connections follow the new policy
        rc = eacm.publish(STATE, "now allowed")
        self.assertTrue(h.publish_allowed(rc), "existing MyEACM publish STATE after reload: %s" % h.rc_name(rc))
        self.assertFalse(self.delivered(hmi, viewer, SPB),
                         "existing viewer still receives spBv1.0/# after its read rule was removed")
        self.assertEqual(viewer.publish(STATE, "x"), h.RC_NOT_AUTHORIZED, "viewer still read-only")

        # new connections too
        eacm2 = self.connect("MyEACM")
        rc = eacm2.publish(STATE, "x")
        self.assertTrue(h.publish_allowed(rc), "new MyEACM publish STATE after reload: %s" % h.rc_name(rc))
        viewer2 = self.connect("SparkplugViewer")
        codes = viewer2.subscribe(["spBv1.0/#", "STATE/+"])
        self.assertIsNotNone(codes)
        self.assertEqual(codes[0], h.RC_NOT_AUTHORIZED, "new viewer subscribe spBv1.0/#: %s" % h.rc_name(codes[0]))
        self.assertTrue(h.suback_granted(codes[1]), "new viewer subscribe STATE/+: %s" % h.rc_name(codes[1]))
        self.assertFalse(self.delivered(hmi, viewer2, SPB))

        # ---- a broken edit: the previous (edited) policy stays in force
        self.write_acl(BROKEN)
        since, line = self.reload(r"certacl: reload failed")
        self.assertIsNotNone(line, "no 'certacl: reload failed' after SIGHUP with a broken file")
        self.assertIn("keeping the previous policy", line)
        named = self.broker.find_log(r"%s:%d:" % (re.escape(self.acl), BROKEN_LINE), since)
        self.assertTrue(named, "the failure does not name %s:%d: (log: %s)"
                        % (self.acl, BROKEN_LINE, self.broker.log_lines(since)[-10:]))
        self.assertEqual(self.broker.find_log(r"certacl: reloaded", since), [],
                         "a broken file was reported as reloaded")
        h.wait_until(lambda: False, h.QUIET)
        for cl in (hmi, eacm, viewer, eacm2, viewer2):
            self.assertTrue(cl.connected(), "%s was disconnected by a failed reload" % cl.name)
        # allows of the edited policy hold (the broken file would have revoked them)
        rc = eacm.publish(STATE, "still allowed")
        self.assertTrue(h.publish_allowed(rc), "MyEACM publish STATE after failed reload: %s" % h.rc_name(rc))
        rc = hmi.publish(SPB, "still allowed")
        self.assertTrue(h.publish_allowed(rc), "HMI publish spBv1.0 after failed reload: %s" % h.rc_name(rc))
        # denies of the edited policy hold (the broken file would have granted them)
        self.assertFalse(self.delivered(hmi, viewer, SPB),
                         "viewer reads spBv1.0 after a failed reload")
        viewer3 = self.connect("SparkplugViewer")
        codes = viewer3.subscribe("spBv1.0/#")
        self.assertEqual(codes, [h.RC_NOT_AUTHORIZED], "new viewer subscribe spBv1.0/# after failed reload")
        self.assertEqual(viewer3.publish(STATE, "x"), h.RC_NOT_AUTHORIZED,
                         "viewer writes STATE after a failed reload")
        self.assertEqual(viewer.publish(STATE, "x"), h.RC_NOT_AUTHORIZED,
                         "existing viewer writes STATE after a failed reload")

        # ---- fixing the file makes the next SIGHUP load it
        shutil.copyfile(h.SEED_ACL, self.acl)
        since, line = self.reload(r"certacl: reloaded")
        self.assertIsNotNone(line, "no 'certacl: reloaded' after fixing the file")
        self.assertTrue(self.delivered(hmi, viewer, SPB), "seed restored: viewer reads spBv1.0/# again")
        self.assertEqual(eacm.publish(STATE, "x"), h.RC_NOT_AUTHORIZED, "seed restored: MyEACM may not write STATE")

    def test_reload_unmaps_identity(self):
        """A reload that unmaps an identity disconnects that client (SPEC section 2)."""
        env = self.env
        mp = env.write("reload.map", "MyEACM MyEACM\nHMI HMI\nSparkplugViewer SparkplugViewer\n")
        b = h.track(h.Broker(env, acl_files=[h.SEED_ACL], name="unmap",
                             plugin_opts=[("identity_map", mp), ("unmapped", "deny")]))
        b.start()
        try:
            cs = h.Clients()
            hmi, r1 = h.connect(env, b.port, "HMI")
            viewer, r2 = h.connect(env, b.port, "SparkplugViewer")
            cs.add(hmi), cs.add(viewer)
            self.assertEqual((r1.rc, r2.rc), (0, 0))
            env.write("reload.map", "MyEACM MyEACM\nHMI HMI\n")
            since = b.sighup()
            self.assertIsNotNone(b.wait_log(r"certacl: reloaded", since), "no 'certacl: reloaded'")
            self.assertTrue(viewer.wait_disconnected(), "unmapped viewer still connected after reload")
            h.wait_until(lambda: False, h.QUIET)
            self.assertTrue(hmi.connected(), "HMI (still mapped) was disconnected")
            v2, r = h.connect(env, b.port, "SparkplugViewer")
            cs.add(v2)
            self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "unmapped viewer reconnects: %r" % r)
            cs.close()
        finally:
            b.stop()


if __name__ == "__main__":
    h.main()
