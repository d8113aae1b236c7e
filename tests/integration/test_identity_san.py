#!/usr/bin/env python3
"""Identity from a subjectAltName entry (issue 3 item 1; SPEC section 2).

A client certificate with CN "edge-cert-1" and the SANs
    DNS:node1.example, DNS:alt.example, URI:urn:first, URI:urn:node:second,
    email:first@example.com, email:node1@example.com
- `plugin_opt_identity san-dns`: its username is "node1.example" (the first DNS entry):
  it gets the rights of the ACL section `user node1.example`, not those of the CN's
  section nor of the second DNS entry's section;
- a certificate without a DNS SAN is refused (CONNACK 0x87 + "certacl: refused CONNECT"),
  also when its CN is "node1.example" (the CN is no fallback);
- `san-uri:2` / `san-email:2`: the second URI / email entry is the username; a
  certificate with a single entry of that type is refused.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

SANS = ("DNS:node1.example,DNS:alt.example,URI:urn:first,URI:urn:node:second,"
        "email:first@example.com,email:node1@example.com")

ACL = """# one section per candidate identity of edge-cert-1: only the configured one may apply
user node1.example
topic readwrite plant/node1/#

user alt.example
topic readwrite plant/alt/#

user edge-cert-1
topic readwrite plant/cn/#

user urn:first
topic readwrite plant/uri1/#

user urn:node:second
topic readwrite plant/uri2/#

user first@example.com
topic readwrite plant/mail1/#

user node1@example.com
topic readwrite plant/mail2/#
"""

# every topic edge-cert-1 tries, by the section that grants it
TOPICS = {
    "node1.example": "plant/node1/x",
    "alt.example": "plant/alt/x",
    "edge-cert-1": "plant/cn/x",
    "urn:first": "plant/uri1/x",
    "urn:node:second": "plant/uri2/x",
    "first@example.com": "plant/mail1/x",
    "node1@example.com": "plant/mail2/x",
}


def setUpModule():
    global ENV, ACL_PATH
    ENV = h.CertEnv(["plain-cert"])  # CN only, no SAN at all
    ENV.add_clients(["edge-cert-1"], extra=["--client-san", SANS])
    # CN equal to the DNS identity, but no DNS SAN: must not pass for node1.example
    ENV.add_clients(["node1.example"], extra=["--client-san", "URI:urn:only,email:only@example.com"])
    ACL_PATH = ENV.write("acl", ACL)
    h.log("edge-cert-1 SAN: %s" % ih.openssl_x509(ENV.cert("edge-cert-1")[0], "-ext", "subjectAltName"))


def tearDownModule():
    ENV.cleanup()


class SanCase(ih.Case):
    identity = None
    user = None

    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "san-" + cls.identity.replace(":", "_"), acl_files=[ACL_PATH],
                         plugin_opts=[("identity", cls.identity)])

    def check_rights(self):
        cl = self.connect_ok("edge-cert-1", user=self.user)
        for user, topic in TOPICS.items():
            self.assert_pub(cl, topic, allowed=(user == self.user))
        return cl

    def check_sent_username_ignored(self):
        # Sending another section's name as MQTT username changes nothing.
        cl = self.connect_ok("edge-cert-1", user=self.user, username="edge-cert-1", password="x")
        self.assert_pub(cl, TOPICS["edge-cert-1"], allowed=False)
        self.assert_pub(cl, TOPICS[self.user], allowed=True)


class SanDns(SanCase):
    identity = "san-dns"
    user = "node1.example"

    def test_rights_of_first_dns_entry(self):
        self.check_rights()

    def test_sent_username_ignored(self):
        self.check_sent_username_ignored()

    def test_no_dns_san_refused(self):
        self.assert_refused("plain-cert", why=r"subjectAltName")
        # its CN is the DNS identity, but the CN is not what was configured
        self.assert_refused("node1.example", why=r"subjectAltName")


class SanUri2(SanCase):
    identity = "san-uri:2"
    user = "urn:node:second"

    def test_rights_of_second_uri(self):
        self.check_rights()

    def test_missing_second_uri_refused(self):
        self.assert_refused("node1.example", why=r"subjectAltName")  # one URI only
        self.assert_refused("plain-cert", why=r"subjectAltName")


class SanEmail2(SanCase):
    identity = "san-email:2"
    user = "node1@example.com"

    def test_rights_of_second_email(self):
        self.check_rights()

    def test_missing_second_email_refused(self):
        self.assert_refused("node1.example", why=r"subjectAltName")  # one email only


if __name__ == "__main__":
    h.main()
