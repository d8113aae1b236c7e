#!/usr/bin/env python3
"""Adversarial names (issue 7 item 3; SPEC sections 2 and 3): client ids and usernames
holding '+', '#', '/', NUL, control characters or invalid UTF-8, against

    pattern readwrite devices/%c/#
    pattern readwrite users/%u/#

mosquitto's acl_file substitutes %c/%u as plain text: a client id 'a/b' gets
devices/a/b/# (the device 'a' subtree), and it only refuses '+'/'#' values. certacl makes
a rule whose substituted value holds '+', '#', '/' (or is empty) grant nothing, so:

- client id 'a/b' cannot publish to or subscribe devices/a/b/... and receives nothing of
  device 'a' [fails against stock mosquitto: the publish is allowed there];
- client ids '+' and '#' cannot subscribe devices/x/# or devices/+/# and receive
  nothing of device 'x'; like mosquitto (2.0 and 2.1), certacl gives such a client
  nothing from any pattern line (not even users/%u/#), only its user rules [the SUBACKs
  fail against stock, which grants every SUBSCRIBE; the delivery part passes there too];
- the same with usernames, from password clients on a `require_certificate false`
  listener with `plugin_opt_no_cert defer` + password_file [user 'a/b' fails against
  stock];
- a certificate client's sent username is ignored: it gets the certificate's rights only
  [this cannot fail against CERTACL_TEST_STOCK=1, which uses use_identity_as_username:
  that replaces the username too; it fails if certacl stopped replacing the username];
- client ids and usernames with NUL, control characters or invalid UTF-8: the broker
  refuses them itself (it closes the connection without CONNACK: malformed UTF-8); the
  test asserts that no session came out of it (the broker's check, not certacl's: it
  guards the combination).

Each positive control (device 'a' publishing in its own subtree, an observer reading
everything, the password users' own topics) shows the negative checks mean something.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402
import advhelpers as ah  # noqa: E402

ACL = """# test_adversarial_names
pattern readwrite devices/%c/#
pattern readwrite users/%u/#

user observer
topic read devices/#
topic read users/#

# user rules still apply to a client whose client id or username holds '+' or '#'
# (patterns give it nothing, in mosquitto as in certacl)
user alice
topic readwrite alice-own/#

user +
topic readwrite plus-own/#
"""

# password users for the listener without certificates ('#' is written by mosquitto_passwd
# but its line then starts with '#': a comment, so that user can never log in)
PASSWORDS = {"a/b": "pw-ab", "+": "pw-plus", "#": "pw-hash", "x": "pw-x", "ok": "pw-ok",
             "dev+1": "pw-dp"}


def setUpModule():
    global ENV, ACL_PATH, PW_PATH
    ENV = h.CertEnv(["alice", "observer"])
    ACL_PATH = ENV.write("acl", ACL)
    PW_PATH = ih.password_file(ENV.path("passwd"), PASSWORDS)


def tearDownModule():
    ENV.cleanup()


class Names(ah.Case):
    @classmethod
    def setUpClass(cls):
        # listener 0: certificates required; listener 1: no certificate, password_file
        cls.start_broker(ENV, "names", acl_files=[ACL_PATH],
                         listeners=[{}, {"require_certificate": False}],
                         plugin_opts=[("no_cert", "defer"), ("log_per_client", "1000")],
                         global_lines=["password_file %s" % PW_PATH])
        cls.pw_port = cls.broker.ports[1]

    def observer(self, filt="devices/#"):
        obs = self.connect_ok("observer", user="observer")
        self.sub(obs, filt, True)
        return obs

    def device(self, cid):
        """A legitimate device (alice's certificate) with client id `cid`."""
        return self.connect_ok("alice", user="alice", client_id=cid)

    # ---- client ids

    def test_client_id_with_slash_adds_no_levels(self):
        obs = self.observer()
        dev_a = self.device("a")
        evil = self.connect_ok("alice", user="alice", client_id="a/b")
        # stock mosquitto: devices/%c/# becomes devices/a/b/#, inside device a's subtree
        self.assert_pub(evil, "devices/a/b/x", allowed=False)
        self.assert_pub(evil, "devices/a/x", allowed=False)
        self.sub(evil, "devices/a/b/#", False)
        self.sub(evil, "devices/a/#", False)
        line = self.broker.wait_log(r"certacl: denied write on 'devices/a/b/x' .*client 'a/b'")
        h.log("  log: %s" % line)
        self.assertIsNotNone(line, "no audit line naming client 'a/b'")
        # the rest of its identity still works: %u is fine
        self.sub(evil, "users/alice/#", True)
        self.assert_pub(evil, "users/alice/x", allowed=True)
        # device a may use its subtree, including devices/a/b/x; the observer sees it,
        # the client 'a/b' does not
        self.assert_pub(dev_a, "devices/a/b/x", allowed=True)
        self.assertIsNotNone(obs.wait_message(lambda m: m[0] == "devices/a/b/x"),
                             "control: the observer did not get devices/a/b/x")
        self.sentinel(dev_a, evil, "users/alice/x")
        leaked = [m for m in evil.received() if m[0].startswith("devices/")]
        self.assertEqual(leaked, [], "client id 'a/b' received device a's messages: %s" % leaked)

    def check_wildcard_id(self, wid):
        # Fails against stock at the first SUBSCRIBE (always granted there); the delivery
        # check passes there too, because mosquitto also refuses '+'/'#' in patterns.
        dev_x = self.device("x")
        evil = self.connect_ok("alice", user="alice", client_id=wid)
        for f in ("devices/x/#", "devices/+/#", "devices/#", "devices/x"):
            self.sub(evil, f, False)
        self.assert_pub(evil, "devices/x/cmd", allowed=False)
        self.sub(evil, "users/alice/#", False)     # no pattern, even with a safe %u
        self.assert_pub(evil, "users/alice/x", allowed=False)
        self.sub(evil, "alice-own/#", True)        # its user rules still apply
        self.assert_pub(dev_x, "devices/x/data", allowed=True)
        self.sentinel(dev_x, evil, "alice-own/s")
        leaked = [m for m in evil.received() if m[0].startswith("devices/")]
        self.assertEqual(leaked, [], "client id %r received device x's messages: %s" % (wid, leaked))

    def test_client_id_plus_reads_nothing(self):
        self.check_wildcard_id("+")

    def test_client_id_hash_reads_nothing(self):
        self.check_wildcard_id("#")

    def test_client_id_nul_control_invalid_utf8_refused(self):
        # mosquitto refuses these itself (malformed UTF-8): 2.0 closes the connection
        # without CONNACK, 2.1 answers some with CONNACK 0x85 (client identifier not
        # valid); no session either way. Cannot fail against stock (the broker's own
        # check, before any plugin); it would fail if a broker change let such an id
        # reach the ACL checks.
        for cid in (b"a\x00b", b"devices\x00x", b"x\x01y", b"\x1b[31m", b"ab\xc2\x85",
                    b"\xff\xfe", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80"):
            rc, err = self.raw_refused(self.broker.port, cid, cert="alice")
            self.assertIn(rc, (None, h.RC_CLIENT_ID_NOT_VALID), "client id %r: expected the broker to refuse it "
                              "(malformed), got CONNACK %s" % (cid, h.rc_name(rc)))

    # ---- usernames (password clients on the listener without certificates)

    def pw_client(self, user, password, **kw):
        cl = ih.client(self.env, self.pw_port, None, username=user, password=password, **kw)
        self.clients.add(cl)
        r = cl.connect()
        h.log("  password connect user=%r -> %r" % (user, r))
        return cl, r

    def test_username_with_slash_adds_no_levels(self):
        obs = self.observer("users/#")
        ok, r = self.pw_client("ok", "pw-ok")
        self.assertEqual(r.rc, 0, "control: password user ok: %r" % r)
        self.assert_pub(ok, "users/ok/x", allowed=True)   # the pattern works for a safe name
        evil, r = self.pw_client("a/b", "pw-ab")
        self.assertEqual(r.rc, 0, "password user 'a/b' should connect (its rules grant nothing): %r" % r)
        self.assert_pub(evil, "users/a/b/x", allowed=False)   # stock: allowed
        self.assert_pub(evil, "users/a/x", allowed=False)
        self.sub(evil, "users/a/b/#", False)
        self.sub(evil, "users/a/#", False)
        self.assertIsNotNone(obs.wait_message(lambda m: m[0] == "users/ok/x"), "control: observer")

    def test_username_wildcards_read_nothing(self):
        x, r = self.pw_client("x", "pw-x")
        self.assertEqual(r.rc, 0, "control: password user x: %r" % r)
        plus, r = self.pw_client("+", "pw-plus")
        self.assertEqual(r.rc, 0, "password user '+' should connect (its rules grant nothing): %r" % r)
        dp, r = self.pw_client("dev+1", "pw-dp")
        self.assertEqual(r.rc, 0, "password user 'dev+1': %r" % r)
        for cl in (plus, dp):
            for f in ("users/x/#", "users/+/#", "users/#"):
                self.sub(cl, f, False)
            self.assert_pub(cl, "users/x/cmd", allowed=False)
        # x publishes in its subtree; '+' must not get it. No pattern applies to '+' (not
        # even devices/%c/#); the sentinel uses the rules of its user section.
        self.sub(plus, "devices/%s/#" % plus.client_id, False)
        self.sub(plus, "plus-own/#", True)
        self.sub(x, "users/x/#", True)
        self.assert_pub(x, "users/x/data", allowed=True)
        self.assertIsNotNone(x.wait_message(lambda m: m[0] == "users/x/data"), "control: x reads its own")
        self.sentinel(plus, plus, "plus-own/s")
        leaked = [m for m in plus.received() if m[0].startswith("users/")]
        self.assertEqual(leaked, [], "user '+' received user x's messages: %s" % leaked)

    def test_username_hash_never_logs_in(self):
        # mosquitto_passwd wrote "#:..." which mosquitto reads as a comment line
        cl, r = self.pw_client("#", "pw-hash")
        self.assertNotEqual(r.rc, 0, "user '#' must not log in: %r" % r)
        self.assertFalse(cl.connected())

    def test_username_nul_control_invalid_utf8_refused(self):
        # the broker's own UTF-8 check, as for client ids: cannot fail against stock
        for user in (b"ok\x00", b"a\x00b", b"x\x01y", b"ok\n", b"\xff", b"\xc3\x28", b"\xed\xa0\x80"):
            rc, err = self.raw_refused(self.pw_port, b"u-raw", username=user, password=b"pw-ok")
            self.assertIsNone(rc, "username %r: expected the broker to close the connection "
                              "(malformed), got CONNACK %s" % (user, h.rc_name(rc)))
        # and from a certificate client (whose username would be ignored anyway)
        for user in (b"observer\x00", b"\xff"):
            rc, err = self.raw_refused(self.broker.port, b"c-raw", cert="alice", username=user,
                                       password=b"x")
            self.assertIsNone(rc, "cert client username %r: got CONNACK %s" % (user, h.rc_name(rc)))

    # ---- a certificate client's username is ignored

    def test_cert_client_sent_username_ignored(self):
        # Fails if certacl stopped replacing the sent username with the certificate's
        # (mosquitto_set_username); cannot fail against CERTACL_TEST_STOCK=1, whose
        # use_identity_as_username replaces it too.
        for sent in ("observer", "+", "#", "a/b", "users/observer", ""):
            cl = self.connect_ok("alice", user="alice", username=sent, password="whatever")
            # the observer's rights (devices/# and users/# overlap alice's own pattern
            # subtrees, so a SUBSCRIBE of those is granted and filtered at delivery)
            self.sub(cl, "devices/x/#", False)
            self.sub(cl, "users/observer/#", False)
            self.assert_pub(cl, "users/observer/x", allowed=False)
            self.assert_pub(cl, "users/alice/x", allowed=True)
            self.sub(cl, "users/alice/#", True)
            cl.close()


if __name__ == "__main__":
    h.main()
