#!/usr/bin/env python3
"""Adversarial certificates (issue 7 item 3; SPEC section 2): subjects that `openssl req`
will not make are built here as DER and signed by the test CA (advhelpers.make_cert);
each is a valid client certificate that the broker's TLS layer accepts.

Refused at CONNECT (CONNACK 0x87 and one `certacl: refused CONNECT` line with the reason):
- CN '+', '#', 'a/b', 'dev/+/#' (unmapped): "username ... contains an MQTT wildcard or
  level separator";
- CN with a control character (0x01, DEL, a newline carrying a forged log line, C1 U+0085):
  "contains a control character"; the log shows the byte escaped, never raw;
- CN 'alice\\0.evil' (the NUL trick): refused, never taken for alice;
- CN of 300 bytes ("longer than 256 bytes") and of 32 KB ("unusable ... too long");
- two CN entries, as two RDNs or as one multi-valued RDN: "several CN entries";
- an empty CN, no CN at all.
All these fail against stock mosquitto (use_identity_as_username takes any CN, so they
connect there).
- a 64 KB CN: the broker's OpenSSL itself aborts the handshake (TLS internal error) before
  certacl runs; the test asserts there is no session and the broker stays responsive (it
  cannot fail against stock: that refusal is OpenSSL's).
- invalid UTF-8 in a UTF8String, or a lone surrogate in a BMPString: OpenSSL 3 cannot even
  decode such a certificate (X509_NAME canonicalisation fails), so no client can present
  it and no broker can accept it; the test asserts that OpenSSL rejects the file (the
  decoding of such DER in certacl's own code is covered by the fuzz target).

Accepted through the identity map, with the mapped user's rights only:
- CN 'edge/7' -> user edge7 and CN 'node+1' -> user node1: they may use edge7/# and
  users/edge7/# (resp. node1), but not cn/edge/7/# through `pattern ... cn/%{cn}/#` (a
  placeholder value with '/' or '+' grants nothing), nor users/edge/7/# [stock: the CN is
  the username and users/%u/# = users/edge/7/#].
- CN '$SYS' is a legal name, but `pattern read %u/#` must not let it read $SYS/#: a value
  starting with '$' grants nothing at the first level [stock: the pattern becomes $SYS/#,
  a '$' rule that matches $SYS topics, and the retained $SYS/broker/version arrives].
"""

import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import advhelpers as ah  # noqa: E402
from advhelpers import rdn, name, OID_CN, OID_OU  # noqa: E402

ACL = """# test_adversarial_certs
pattern readwrite users/%u/#
pattern readwrite cn/%{cn}/#
pattern read %u/#

user edge7
topic readwrite edge7/#

user node1
topic readwrite node1/#

user observer
topic read #
"""

MAP = """# IDENTITY   USERNAME
edge/7       edge7
node+1       node1
"""

FORGED = "certacl: reloaded 999 rules from 1 ACL file(s)"

# name -> (subject DER, regex of the refusal reason)
WILDCARD = r"contains an MQTT wildcard or level separator"
CONTROL = r"contains a control character"
UNUSABLE = r"certificate CN is unusable"
REFUSED = {
    "cn_plus": (name(rdn(OID_CN, "+")), WILDCARD),
    "cn_hash": (name(rdn(OID_CN, "#")), WILDCARD),
    "cn_slash": (name(rdn(OID_CN, "a/b")), WILDCARD),
    "cn_wild": (name(rdn(OID_OU, "G1"), rdn(OID_CN, "dev/+/#")), WILDCARD),
    "cn_ctrl": (name(rdn(OID_CN, "ab\x01cd")), CONTROL),
    "cn_del": (name(rdn(OID_CN, "ab\x7fcd")), CONTROL),
    "cn_newline": (name(rdn(OID_CN, "x\n1795000000: " + FORGED)), CONTROL),
    "cn_c1": (name(rdn(OID_CN, "ab\u0085cd")), CONTROL),
    "cn_nul": (name(rdn(OID_CN, b"observer\x00.evil")), UNUSABLE),
    "cn_300": (name(rdn(OID_CN, "L" * 300)), r"longer than 256 bytes"),
    "cn_32k": (name(rdn(OID_CN, "K" * 32768)), UNUSABLE),
    "cn_two": (name(rdn(OID_CN, "observer"), rdn(OID_CN, "edge7")), r"several CN entries"),
    "cn_multivalued": (name(ah.der_set(ah.der_seq(ah.der_oid(OID_CN), ah.der(ah.TAG_UTF8, b"observer")),
                                       ah.der_seq(ah.der_oid(OID_CN), ah.der(ah.TAG_UTF8, b"zz")))),
                       r"several CN entries"),
    "cn_empty": (name(rdn(OID_CN, "")), UNUSABLE),
    "cn_none": (name(rdn(OID_OU, "observer")), r"has no CN"),
}
TLS_REFUSED = {"cn_64k": name(rdn(OID_CN, "G" * 65536))}
UNDECODABLE = {
    "cn_bad_utf8": name(rdn(OID_CN, b"ab\xff\xfecd")),
    "cn_bmp_surrogate": name(rdn(OID_CN, b"\xd8\x00\x00a", tag=ah.TAG_BMP)),
}
MAPPED = {"map_slash": name(rdn(OID_CN, "edge/7")), "map_plus": name(rdn(OID_CN, "node+1")),
          "cn_dollar": name(rdn(OID_CN, "$SYS"))}


def setUpModule():
    global ENV, ACL_PATH, MAP_PATH
    ENV = h.CertEnv(["observer", "keysource"])
    key = ENV.cert("keysource")[1]
    for n, (subj, _) in REFUSED.items():
        ah.make_cert(ENV, n, subj, key)
    for n, subj in list(TLS_REFUSED.items()) + list(UNDECODABLE.items()) + list(MAPPED.items()):
        ah.make_cert(ENV, n, subj, key)
    ACL_PATH = ENV.write("acl", ACL)
    MAP_PATH = ENV.write("map", MAP)


def tearDownModule():
    ENV.cleanup()


class Certs(ah.Case):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "certs", acl_files=[ACL_PATH],
                         plugin_opts=[("identity_map", MAP_PATH), ("log_per_client", "1000")])

    def test_refused_at_connect(self):
        failures = []
        for n, (_, why) in REFUSED.items():
            ok, out = ah.openssl_verify(self.env, os.path.join(self.env.certs, n + ".pem"))
            self.assertTrue(ok, "%s should be a valid client certificate: %s" % (n, out))
            since = self.broker.log_offset()
            cl, r = self.connect(n, client_id="id-" + n)
            if r.rc != h.RC_NOT_AUTHORIZED:
                failures.append("%s: expected CONNACK 0x87, got %r" % (n, r))
                continue
            # whole-text search: the C1 case puts U+0085 in the line, which str.splitlines
            # (harness.find_log) treats as a line break
            text = self.broker.log()[since:]
            m = re.search(r"certacl: refused CONNECT from client 'id-%s' \(address [^)]*\): ([^\n]*)" % n, text)
            h.log("  %s -> %s; log: %s" % (n, h.rc_name(r.rc), m and ascii(m.group(0)[:200])))
            if not m:
                failures.append("%s: no 'refused CONNECT' line" % n)
            elif not re.search(why, m.group(1)):
                failures.append("%s: reason %r does not match %r" % (n, m.group(1)[:200], why))
            self.assertFalse(cl.connected())
            cl.close()
        self.assertEqual(failures, [], "\n".join(failures))

    def test_control_characters_escaped_in_log(self):
        for n in ("cn_ctrl", "cn_newline"):
            self.connect(n, client_id="esc-" + n)
        self.assertIsNotNone(self.broker.wait_log(r"refused CONNECT from client 'esc-cn_newline'"))
        text = self.broker.log()
        self.assertNotIn("\x01", text, "a raw 0x01 from a certificate reached the log")
        self.assertIn(r"ab\x01cd", text, "the 0x01 should be shown escaped")
        forged = [l for l in text.split("\n") if l.endswith(FORGED)]
        h.log("  lines ending with the forged text: %s" % forged)
        self.assertEqual(forged, [], "a newline in a CN forged a log line")

    def test_nul_cn_not_taken_for_prefix(self):
        since = self.broker.log_offset()
        cl, r = self.connect("cn_nul", client_id="nul-1")
        self.assertEqual(r.rc, h.RC_NOT_AUTHORIZED, "CN 'observer\\0.evil': %r" % r)
        self.assertEqual(self.broker.find_log(r"as nul-1 .*u'observer'", since), [])

    def test_64k_cn_refused_by_tls(self):
        # OpenSSL's refusal, before certacl: cannot fail against stock (certacl's own
        # length limits are the 300-byte and 32 KB cases above)
        for n in TLS_REFUSED:
            since = self.broker.log_offset()
            r = ah.Raw(self.env, self.broker.port, cert=n)
            rc = r.connect(b"id-" + n.encode())
            h.log("  %s -> %s (%s)" % (n, h.rc_name(rc), r.error))
            r.close()
            self.assertNotEqual(rc, 0, "%s must not connect" % n)
            self.assertEqual(self.broker.find_log(r"New client connected .* as id-%s " % n, since), [])
        self.assertTrue(self.broker.alive())
        obs = self.connect_ok("observer", user="observer")
        self.assert_still_connected_sub(obs)

    def assert_still_connected_sub(self, obs):
        self.sub(obs, "observer/#", True)
        self.assertTrue(obs.connected())

    def test_undecodable_certificates(self):
        # nothing to send: no TLS stack here can present what OpenSSL cannot decode
        for n in UNDECODABLE:
            ok, out = ah.openssl_verify(self.env, os.path.join(self.env.certs, n + ".pem"))
            h.log("  openssl verify %s: %s" % (n, out.splitlines()[-1] if out else out))
            self.assertFalse(ok, "%s: OpenSSL decoded it; then the broker test is needed" % n)
            with self.assertRaises(Exception):
                ah.Raw(self.env, self.broker.port, cert=n)   # the client cannot load it either

    def test_mapped_names_get_mapped_rights_only(self):
        obs = self.connect_ok("observer", user="observer")
        self.sub(obs, "#", True)
        for cert, user, other in (("map_slash", "edge7", "edge/7"), ("map_plus", "node1", None)):
            cl = self.connect_ok(cert, user=user)
            self.assert_pub(cl, "%s/x" % user, allowed=True)
            self.assert_pub(cl, "users/%s/x" % user, allowed=True)
            self.sub(cl, "%s/#" % user, True)
            if other:
                # the CN's own levels: nothing (stock: users/%u/# = users/edge/7/#)
                self.assert_pub(cl, "users/%s/x" % other, allowed=False)
                self.assert_pub(cl, "cn/%s/x" % other, allowed=False)     # %{cn} = edge/7
                self.assert_pub(cl, "%s/x" % other, allowed=False)
                self.sub(cl, "cn/%s/#" % other, False)
            self.sub(cl, "cn/+/#", False)
            self.sub(cl, "users/observer/#", False)
            self.assert_pub(cl, "observer/x", allowed=False)

    def test_dollar_cn_reads_no_sys(self):
        cl = self.connect_ok("cn_dollar", user="$SYS")
        # users/$SYS/# is fine ('$' not at the first level): the sentinel channel
        self.sub(cl, "users/$SYS/#", True)
        self.sub(cl, "$SYS/#", False)
        self.sub(cl, "$SYS/broker/version", False)
        self.sentinel(cl, cl, "users/$SYS/s")
        got = [m for m in cl.received() if m[0].startswith("$SYS")]
        self.assertEqual(got, [], "CN '$SYS' read $SYS topics through 'pattern read %%u/#': %s" % got)


if __name__ == "__main__":
    h.main()
