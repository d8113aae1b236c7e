"""Helpers of the certacl CLI tests: run the tool, read its JSON, make certificates.

Environment (ctest sets them; defaults suit a build in build-cli/ or build/):
  CERTACL_CLI         the certacl binary
  CERTACL_SOURCE_DIR  the source tree
  CERTACL_CERT_CACHE  certificate cache shared with the integration harness
Certificates come from tests/integration/harness.py (CertEnv: scripts/gencerts).
"""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.environ.get("CERTACL_SOURCE_DIR") or os.path.abspath(os.path.join(HERE, "..", ".."))
FIXTURES = os.path.join(HERE, "fixtures")
EXAMPLES = os.path.join(SOURCE_DIR, "acl-examples")
SEED_ACL = os.path.join(EXAMPLES, "seed", "acl")

sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "integration"))
import harness  # noqa: E402  (CertEnv, Broker, Client: shared with the integration tests)


def cli_path():
    p = os.environ.get("CERTACL_CLI")
    if p:
        return p
    for b in ("build-cli/main/tools/certacl", "build/tools/certacl"):
        c = os.path.join(SOURCE_DIR, b)
        if os.path.exists(c):
            return c
    raise RuntimeError("certacl binary not found: set CERTACL_CLI")


def fixture(name):
    return os.path.join(FIXTURES, name)


class Run:
    """The result of one certacl run."""

    def __init__(self, args, rc, out, err):
        self.args, self.rc, self.out, self.err = args, rc, out, err

    def json(self):
        try:
            return json.loads(self.out)
        except ValueError as e:
            raise AssertionError("not JSON (%s): %r" % (e, self.out[:2000]))

    def __repr__(self):
        return "certacl %s -> rc %d\nstdout:\n%s\nstderr:\n%s" % (
            " ".join(self.args), self.rc, self.out, self.err)


def certacl(*args, stdin=None, cwd=None):
    """Run the CLI with `args` (bounded in time); return a Run."""
    args = [str(a) for a in args]
    r = subprocess.run([cli_path()] + args, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True, timeout=60, cwd=cwd)
    return Run(args, r.returncode, r.stdout, r.stderr)


def main():
    """Run the unittest cases of the calling script (the class names in argv)."""
    import unittest
    prog = unittest.main(exit=False, verbosity=2)
    ok = prog.result.wasSuccessful() and prog.result.testsRun > 0
    sys.exit(0 if ok else 1)
