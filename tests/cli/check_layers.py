#!/usr/bin/env python3
"""The files of the certacl tool are layered: no dependency cycle among tools/*.c.

Arguments: the tool's object files, one per tools/*.c. A file needs another when
it uses a global symbol (function or data) that the other defines, as nm (the
environment's NM, else nm) reports them. Prints each file and the files it
needs, then exits 1 naming a cycle when there is one, else 0."""
import os
import subprocess
import sys
from graphlib import CycleError, TopologicalSorter


def symbols(obj, *flags):
    """The symbol names nm lists for an object file with these flags."""
    out = subprocess.run([os.environ.get("NM") or "nm", *flags, obj],
                         check=True, capture_output=True, text=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def source(obj):
    """The source file an object file was built from: ".../cli_args.c.o" -> "cli_args.c"."""
    return os.path.basename(obj).removesuffix(".o")


objs = sys.argv[1:]
if not objs:
    sys.exit("usage: check_layers.py OBJECT...")
defined = {source(o): symbols(o, "--defined-only", "--extern-only") for o in objs}
needs = {}
for o in objs:
    used = symbols(o, "--undefined-only")
    needs[source(o)] = sorted(f for f, syms in defined.items() if f != source(o) and syms & used)
for f in sorted(needs):
    print(f"{f} -> {', '.join(needs[f]) or '(nothing)'}")
try:
    order = list(TopologicalSorter(needs).static_order())
except CycleError as e:
    print("cycle: " + " -> ".join(reversed(e.args[1])))
    sys.exit(1)
print("no cycle; from the bottom layer up: " + ", ".join(order))
