#!/usr/bin/env python3
"""Errors at start (SPEC section 5): any error in the configuration or the policy makes
mosquitto_plugin_init fail, so the broker exits non-zero and says why, naming the file
and line (FILE:LINE:). A control broker with the files fixed starts, so the failures
are due to the error under test.
"""

import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402

GOOD = """# line 1
user HMI
topic readwrite STATE/+
"""

# line 3: '#' must be the last level
BAD_FILTER = """# line 1
user HMI
topic readwrite STATE/#/x
"""

# line 4: no such keyword
BAD_KEYWORD = """user HMI
topic read STATE/+

frobnicate spBv1.0/#
"""

EXTRA = """user HMI
topic readwrite spBv1.0/#
"""


class StartupError(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.env = h.CertEnv(["HMI"])

    @classmethod
    def tearDownClass(cls):
        cls.env.cleanup()

    def refuse_start(self, name, acl_files, plugin_opts=(), expect=()):
        """Start a broker that must exit non-zero in time, with 'certacl:' and every regex
        of `expect` in its output. Returns the output."""
        b = h.track(h.Broker(self.env, acl_files=acl_files, plugin_opts=plugin_opts, name=name))
        rc, text = b.start_expecting_exit()
        self.assertIsNotNone(rc, "%s: the broker was still running after %ss" % (name, h.START_TIMEOUT))
        self.assertNotEqual(rc, 0, "%s: the broker exited 0" % name)
        self.assertFalse(h.port_open(b.port), "%s: the listener is open" % name)
        lines = [l for l in text.splitlines() if "certacl:" in l]
        self.assertTrue(lines, "%s: no 'certacl:' line in the output:\n%s" % (name, text[-2000:]))
        for rx in expect:
            self.assertTrue(any(re.search(rx, l) for l in lines),
                            "%s: no 'certacl:' line matches %r; certacl lines:\n%s"
                            % (name, rx, "\n".join(lines)))
        h.log("%s: exit %s; %s" % (name, rc, lines[-1].split(": ", 1)[-1]))
        return text

    def test_0_control_starts(self):
        good = self.env.write("good.acl", GOOD)
        extra = self.env.write("extra.acl", EXTRA)
        b = h.track(h.Broker(self.env, acl_files=["%s,%s" % (good, extra)], name="control"))
        b.start()
        try:
            cl, r = h.connect(self.env, b.port, "HMI")
            try:
                self.assertEqual(r.rc, 0, repr(r))
                # rules from both files of the comma-separated list apply
                self.assertTrue(h.publish_allowed(cl.publish("STATE/host1", "x")))
                self.assertTrue(h.publish_allowed(cl.publish("spBv1.0/G1/NDATA/E1", "x")))
                self.assertEqual(cl.publish("other/topic", "x"), h.RC_NOT_AUTHORIZED)
            finally:
                cl.close()
        finally:
            self.assertEqual(b.stop(), 0)

    def test_bad_filter(self):
        p = self.env.write("bad_filter.acl", BAD_FILTER)
        self.refuse_start("bad_filter", [p], expect=[re.escape(p) + r":3:"])

    def test_bad_keyword_in_second_file(self):
        good = self.env.write("good.acl", GOOD)
        bad = self.env.write("bad_keyword.acl", BAD_KEYWORD)
        # repeated option lines
        self.refuse_start("bad_keyword", [good, bad], expect=[re.escape(bad) + r":4:"])
        # comma-separated list
        self.refuse_start("bad_keyword_list", ["%s,%s" % (good, bad)], expect=[re.escape(bad) + r":4:"])

    def test_missing_file(self):
        missing = self.env.path("no-such-dir", "acl")
        self.refuse_start("missing", [missing], expect=[re.escape(missing)])

    def test_bad_option_value(self):
        good = self.env.write("good.acl", GOOD)
        self.refuse_start("bad_unmapped", [good], plugin_opts=[("unmapped", "maybe")],
                          expect=[r"unmapped"])
        self.refuse_start("bad_identity", [good], plugin_opts=[("identity", "shoe-size")],
                          expect=[r"identity"])

    def test_bad_identity_map(self):
        good = self.env.write("good.acl", GOOD)
        mp = self.env.write("bad.map", "# map\nLonelyIdentity\n")
        self.refuse_start("bad_map", [good], plugin_opts=[("identity_map", mp)],
                          expect=[re.escape(mp) + r":2:"])
        missing = self.env.path("no-such.map")
        self.refuse_start("missing_map", [good], plugin_opts=[("identity_map", missing)],
                          expect=[re.escape(missing)])


if __name__ == "__main__":
    h.main()
