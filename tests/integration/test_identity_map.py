#!/usr/bin/env python3
"""The identity map with groups (issue 3 item 2; SPEC sections 2 and 3 `group`).

`plugin_opt_identity_map` + `plugin_opt_unmapped deny`:
- a mapped certificate gets the mapped user's rights (and not those of a section named
  after its own CN);
- an unmapped certificate is refused: CONNACK 0x87 + "certacl: refused CONNECT";
- a glob entry maps several CNs to one user; a later, narrower glob maps to another;
- a group given by the map entry gets the rights of a `group` section; a user without
  that group does not;
- `plugin_opt_groups_from ou`: the certificate's OU is a group (its `group` section
  applies); without groups_from the same certificate does not get those rights.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import idhelpers as ih  # noqa: E402

MAP = """# IDENTITY USERNAME [GROUP ...]
op-1        operator   viewers
dev-a*      fleetA     fleet
dev-b?      fleetB
ou-line3    *
ou-line4    *
"""

ACL = """user operator
topic readwrite ops/#

# the identity's own name: must not apply to op-1, which is mapped to "operator"
user op-1
topic readwrite cn/op-1

user fleetA
topic readwrite fleet/a/#

user fleetB
topic readwrite fleet/b/#

group viewers
topic write viewers/report

group fleet
topic write fleet/shared

group line3
topic write lines/3/#
"""

MAIN_CNS = ["op-1", "dev-a1", "dev-a22", "dev-b7", "stranger"]


def setUpModule():
    global ENV, MAP_PATH, ACL_PATH
    ENV = h.CertEnv(MAIN_CNS)
    ENV.add_clients(["ou-line3"], extra=["--ou", "line3"])
    ENV.add_clients(["ou-line4"], extra=["--ou", "line4"])
    MAP_PATH = ENV.write("identity.map", MAP)
    ACL_PATH = ENV.write("acl", ACL)
    h.log("ou-line3 subject: %s" % ih.openssl_x509(ENV.cert("ou-line3")[0], "-subject",
                                                   "-nameopt", "RFC2253"))


def tearDownModule():
    ENV.cleanup()


class MapWithGroups(ih.Case):
    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "map", acl_files=[ACL_PATH],
                         plugin_opts=[("identity_map", MAP_PATH), ("unmapped", "deny"),
                                      ("groups_from", "ou")])

    def test_mapped_gets_mapped_rights(self):
        cl = self.connect_ok("op-1", user="operator")
        self.assert_pub(cl, "ops/start", allowed=True)
        self.assert_pub(cl, "cn/op-1", allowed=False)     # its CN's own section
        self.assert_pub(cl, "fleet/a/x", allowed=False)

    def test_unmapped_refused(self):
        self.assert_refused("stranger", why=r"not in the identity map")
        # sending a mapped user's name as username does not help
        self.assert_refused("stranger", why=r"not in the identity map",
                            username="operator", password="x")

    def test_glob_maps_several(self):
        for cn in ("dev-a1", "dev-a22"):
            cl = self.connect_ok(cn, user="fleetA")
            self.assert_pub(cl, "fleet/a/%s" % cn, allowed=True)
            self.assert_pub(cl, "fleet/b/%s" % cn, allowed=False)
        cl = self.connect_ok("dev-b7", user="fleetB")
        self.assert_pub(cl, "fleet/b/x", allowed=True)
        self.assert_pub(cl, "fleet/a/x", allowed=False)

    def test_group_from_map(self):
        op = self.connect_ok("op-1", user="operator")
        self.assert_pub(op, "viewers/report", allowed=True)    # group viewers
        self.assert_pub(op, "fleet/shared", allowed=False)     # not in group fleet
        a = self.connect_ok("dev-a1", user="fleetA")
        self.assert_pub(a, "fleet/shared", allowed=True)       # group fleet
        self.assert_pub(a, "viewers/report", allowed=False)
        b = self.connect_ok("dev-b7", user="fleetB")           # no group at all
        self.assert_pub(b, "fleet/shared", allowed=False)
        self.assert_pub(b, "viewers/report", allowed=False)

    def test_group_from_ou(self):
        cl = self.connect_ok("ou-line3", user="ou-line3")
        self.assert_pub(cl, "lines/3/press", allowed=True)     # group line3 from OU=line3
        self.assert_pub(cl, "fleet/shared", allowed=False)
        other = self.connect_ok("ou-line4", user="ou-line4")
        self.assert_pub(other, "lines/3/press", allowed=False)  # OU=line4: no such group rules
        op = self.connect_ok("op-1", user="operator")            # no OU
        self.assert_pub(op, "lines/3/press", allowed=False)


class MapWithoutGroupsFrom(ih.Case):
    """Control for test_group_from_ou: the same certificate, groups_from not set."""

    @classmethod
    def setUpClass(cls):
        cls.start_broker(ENV, "map-noou", acl_files=[ACL_PATH],
                         plugin_opts=[("identity_map", MAP_PATH), ("unmapped", "deny")])

    def test_ou_is_no_group_by_default(self):
        cl = self.connect_ok("ou-line3", user="ou-line3")
        self.assert_pub(cl, "lines/3/press", allowed=False)
        # map groups still work here
        op = self.connect_ok("op-1", user="operator")
        self.assert_pub(op, "viewers/report", allowed=True)


if __name__ == "__main__":
    h.main()
