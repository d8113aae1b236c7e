#!/usr/bin/env python3
"""broker_bench: the real mosquitto on 127.0.0.1, loaded by bench_loadgen (C,
libmosquitto: 100 publishers + 100 subscribers, each over TLS with its own client
certificate), in three configurations measured alternately in the same run:

  none      no ACL at all (allow_anonymous true; every client is anonymous)
  acl_file  mosquitto's own checks: use_identity_as_username true + acl_file
  certacl   plugin certacl.so + plugin_opt_acl_file (identity = certificate CN)

and, on request (--configs none,allowall,acl_file,certacl), a diagnostic one:

  allowall  bench_allow_plugin.so: a plugin that allows every CONNECT and ACL
            check (what the broker pays to call any ACL plugin)
  allowall_user  the same with use_identity_as_username true (clients then have
            a username, the CN, as with acl_file and certacl)
  certacl_b certacl.so from another build (--plugin-b PATH), to compare two
            builds of the plugin in one run

acl_file and certacl read the same ACL file: RULES rules per user (default 100).
Edge node nodeI (publisher): the Sparkplug least-privilege rules (write
NBIRTH/NDATA/NDEATH, read NCMD, DCMD/+, STATE) and write DBIRTH/DDATA/DDEATH for
each of its devices devK. Host hostJ (subscriber): `topic read
spBv1.0/G/+/nodeK/#` for K = 0..RULES-1. So in acl_file a check scans about half
of a user's rules, and every message published is allowed and delivered.

Scenarios (each message is one WRITE check and one READ check per delivery):
  qos0    publisher i -> subscriber i (filter spBv1.0/G/+/nodeI/#), QoS 0
  qos1    the same with QoS 1 (publish and subscription)
  fanout  every subscriber reads spBv1.0/#: each message goes to all 100, QoS 0

For each scenario: ROUNDS paced rounds, then MAX_ROUNDS unpaced rounds. Each
round runs the three configurations one after the other (the order rotates each
round). A trial: bench_loadgen connects and subscribes; the broker's CPU time
(of its recorded PID: /proc/PID/task/*/schedstat, in ns) is read; load runs for
DURATION seconds; the loadgen waits for what is outstanding; the CPU time is read
again. Paced trials publish at a fixed rate (--rates, below what every
configuration sustains), so that the three configurations do the same work with
the same batching, and give broker CPU seconds per 100k delivered messages.
Unpaced trials publish as fast as WINDOW (expected deliveries outstanding)
allows and give the maximum delivered msgs/s; on a 2-core machine the loadgen
and the broker share the cores, so this is a throughput of the pair.
Printed per trial and as medians, with the ratios certacl/none and
certacl/acl_file (median of per-round ratios, so slow drifts of a noisy machine
cancel out).

Everything is bounded: brokers listen on 127.0.0.1 only, each trial has a hard
timeout, brokers are stopped by their recorded PID. Certificates are made once
with scripts/gencerts and kept in WORK/certs (reused by later runs).
"""

import argparse
import os
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, ".."))
GENCERTS = os.path.join(SOURCE_DIR, "scripts", "gencerts")
MOSQUITTO = os.environ.get("CERTACL_MOSQUITTO", "/usr/sbin/mosquitto")
CLK_TCK = os.sysconf("SC_CLK_TCK")
CONFIGS = ("none", "acl_file", "certacl")
# Diagnostic configuration (--configs none,allowall,acl_file,certacl): a plugin that
# allows everything, to separate the broker's cost of calling an ACL plugin from
# certacl's own decision cost.
# And "certacl_b": certacl built from another tree (--plugin-b PATH), to compare
# two builds of the plugin in the same run.
# "allowall_user": the same plugin with use_identity_as_username true, so that
# clients have a username (the CN) as with acl_file and certacl.
ALL_CONFIGS = CONFIGS + ("allowall", "allowall_user", "certacl_b")
SCENARIOS = {
    "qos0": dict(qos=0, mode="one"),
    "qos1": dict(qos=1, mode="one"),
    "fanout": dict(qos=0, mode="fanout"),
}


def log(msg):
    print(msg, flush=True)


# ------------------------------------------------------------------ certificates

def ensure_certs(certdir, cns):
    """Create the CA, server and client certificates that are missing."""
    have = lambda cn: (os.path.exists(os.path.join(certdir, cn + ".pem"))
                       and os.path.exists(os.path.join(certdir, cn + ".key")))
    missing = [cn for cn in cns if not have(cn)]
    if not missing and have("ca") and have("server"):
        return
    log("generating %d client certificates in %s (once; reused by later runs)" % (len(missing), certdir))
    # in chunks, so that each gencerts run stays short
    chunks = [missing[i:i + 50] for i in range(0, len(missing), 50)] or [[]]
    for chunk in chunks:
        r = subprocess.run([GENCERTS, "--out", certdir, "--days", "365", "-q", "--"] + chunk,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=1200)
        if r.returncode != 0:
            sys.exit("gencerts failed: %s" % r.stdout)


# ------------------------------------------------------------------ ACL file

def acl_text(npubs, nsubs, rules, group):
    """RULES rules per user; see the module docstring."""
    devices = max(1, (rules - 7) // 3)
    out = []
    for i in range(npubs):
        n = "node%03d" % i
        r = [
            "topic write spBv1.0/%s/NBIRTH/%s" % (group, n),
            "topic write spBv1.0/%s/NDATA/%s" % (group, n),
            "topic write spBv1.0/%s/NDEATH/%s" % (group, n),
            "topic read spBv1.0/%s/NCMD/%s" % (group, n),
            "topic read spBv1.0/%s/DCMD/%s/+" % (group, n),
            "topic read STATE/+",
            "topic read spBv1.0/STATE/+",
        ]
        for k in range(devices):
            for t in ("DBIRTH", "DDATA", "DDEATH"):
                r.append("topic write spBv1.0/%s/%s/%s/dev%d" % (group, t, n, k))
        k = devices
        while len(r) < rules:  # pad to exactly RULES (more devices' births)
            r.append("topic write spBv1.0/%s/DBIRTH/%s/dev%d" % (group, n, k))
            k += 1
        out.append("user %s" % n)
        out += r[:max(rules, 7)]
        out.append("")
    for j in range(nsubs):
        out.append("user host%03d" % j)
        out += ["topic read spBv1.0/%s/+/node%03d/#" % (group, k) for k in range(max(rules, npubs))][:max(rules, 1)]
        out.append("")
    return "\n".join(out) + "\n", devices


# ------------------------------------------------------------------ brokers

def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class Broker:
    def __init__(self, name, workdir, certdir, acl_path, plugin, nodelay=True, allow_plugin=None):
        self.name = name
        self.allow_plugin = allow_plugin
        self.nodelay = nodelay
        self.workdir = workdir
        self.certdir = certdir
        self.acl_path = acl_path
        self.plugin = plugin
        self.proc = None
        self.pid = None
        self.port = None
        self.conf = os.path.join(workdir, name + ".conf")
        self.log_path = os.path.join(workdir, name + ".log")
        self._log = None

    def config(self):
        c = self.certdir
        lines = [
            "per_listener_settings false",
            "user root",
            "log_dest stderr",
            # mosquitto's default log types (no per-message debug lines)
            "log_type error", "log_type warning", "log_type notice", "log_type information",
            "persistence false",
            "set_tcp_nodelay %s" % ("true" if self.nodelay else "false"),
            "allow_anonymous %s" % ("true" if self.name == "none" else "false"),
        ]
        if self.name == "acl_file":
            lines.append("acl_file %s" % self.acl_path)
        lines += [
            "",
            "listener %d 127.0.0.1" % self.port,
            "cafile %s" % os.path.join(c, "ca.pem"),
            "certfile %s" % os.path.join(c, "server.pem"),
            "keyfile %s" % os.path.join(c, "server.key"),
            "require_certificate true",
        ]
        if self.name == "acl_file":
            lines.append("use_identity_as_username true")
        if self.name in ("certacl", "certacl_b"):
            lines += ["", "plugin %s" % self.plugin, "plugin_opt_acl_file %s" % self.acl_path]
        if self.name == "allowall_user":
            lines.append("use_identity_as_username true")
        if self.name in ("allowall", "allowall_user"):
            lines += ["", "plugin %s" % self.allow_plugin]
        return "\n".join(lines) + "\n"

    def start(self, timeout=20.0):
        for attempt in range(3):
            self.port = free_port()
            with open(self.conf, "w") as f:
                f.write(self.config())
            self._log = open(self.log_path, "wb")
            self.proc = subprocess.Popen([MOSQUITTO, "-c", self.conf], stdin=subprocess.DEVNULL,
                                         stdout=self._log, stderr=subprocess.STDOUT)
            self.pid = self.proc.pid
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.proc.poll() is None:
                if port_open(self.port):
                    return
                time.sleep(0.05)
            text = self.log_text()
            self.stop()
            if "Address already in use" in text and attempt < 2:
                continue
            sys.exit("broker %s did not start; log:\n%s" % (self.name, text[-3000:]))

    def cpu_seconds(self):
        """CPU time of the broker process in seconds: the sum over its threads of
        /proc/PID/task/TID/schedstat (nanoseconds), else utime+stime from
        /proc/PID/stat (clock ticks, 10 ms)."""
        try:
            total = 0
            for tid in os.listdir("/proc/%d/task" % self.pid):
                with open("/proc/%d/task/%s/schedstat" % (self.pid, tid)) as f:
                    total += int(f.read().split()[0])
            if total > 0:
                return total / 1e9
        except (OSError, ValueError, IndexError):
            pass
        with open("/proc/%d/stat" % self.pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        # fields[0] is field 3 (state): utime is field 14, stime field 15
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def log_text(self):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def stop(self):
        """Stop the broker we started, by its recorded PID only."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self._log:
            self._log.close()
            self._log = None


# ------------------------------------------------------------------ one trial

def read_line(proc, timeout):
    """A line from proc's stdout within timeout seconds, or None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r, _, _ = select.select([proc.stdout], [], [], max(0.0, deadline - time.monotonic()))
        if r:
            line = proc.stdout.readline()
            return line.strip() if line else None
    return None


def parse_kv(line):
    return {k: v for k, v in (w.split("=", 1) for w in line.split()[1:] if "=" in w)}


def trial(args, broker, scenario, devices, rate):
    sc = SCENARIOS[scenario]
    cmd = [args.loadgen, "--port", str(broker.port), "--certdir", args.certdir,
           "--pubs", str(args.publishers), "--subs", str(args.subscribers),
           "--qos", str(sc["qos"]), "--mode", sc["mode"], "--duration", str(args.duration),
           "--window", str(args.window), "--devices", str(devices), "--group", "G",
           "--payload", str(args.payload), "--nodelay", "1" if args.nodelay else "0",
           "--rate", str(rate)]
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         text=True)
    try:
        line = read_line(p, 120)
        if not line or not line.startswith("READY"):
            err = p.stderr.read() if p.poll() is not None else ""
            raise RuntimeError("loadgen did not get ready: %r %s" % (line, err))
        if not broker.alive():
            raise RuntimeError("broker %s died" % broker.name)
        cpu0 = broker.cpu_seconds()
        p.stdin.write("GO\n")
        p.stdin.flush()
        line = read_line(p, args.duration + 60)
        cpu1 = broker.cpu_seconds()
        if not line or not line.startswith("DONE"):
            raise RuntimeError("loadgen failed: %r" % line)
        p.stdin.write("QUIT\n")
        p.stdin.flush()
        p.wait(timeout=30)
    finally:
        if p.poll() is None:
            p.kill()
            p.wait(timeout=10)
    kv = parse_kv(line)
    delivered = int(kv["delivered"])
    elapsed = float(kv["elapsed"])
    cpu = cpu1 - cpu0
    return dict(
        delivered=delivered, expected=int(kv["expected"]), published=int(kv["published"]),
        elapsed=elapsed, rate=delivered / elapsed if elapsed > 0 else 0.0,
        cpu=cpu, cpu_per_100k=cpu / delivered * 1e5 if delivered else float("nan"),
        loadgen_cpu=float(kv["loadgen_cpu"]),
    )


# ------------------------------------------------------------------ main

def main():
    build = os.path.join(SOURCE_DIR, "build-bench")
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=build, help="build directory (default %(default)s)")
    ap.add_argument("--plugin", help="certacl.so (default BUILD/certacl.so)")
    ap.add_argument("--plugin-b", help="another certacl.so, for the config certacl_b")
    ap.add_argument("--loadgen", help="bench_loadgen (default BUILD/bench/bench_loadgen)")
    ap.add_argument("--work", help="work directory for certs, ACL, configs, logs "
                    "(default BUILD/broker-bench)")
    ap.add_argument("--scenarios", default="qos0,qos1,fanout")
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help="any of none,acl_file,certacl,allowall (default %(default)s)")
    ap.add_argument("--rounds", type=int, default=3, help="paced rounds per scenario")
    ap.add_argument("--max-rounds", type=int, default=1, help="unpaced (max throughput) rounds per scenario")
    ap.add_argument("--rates", default="qos0=4000,qos1=2000,fanout=100",
                    help="offered publish rate (msgs/s, all publishers together) of the paced runs")
    ap.add_argument("--duration", type=float, default=3.0, help="seconds of load per trial")
    ap.add_argument("--publishers", type=int, default=100)
    ap.add_argument("--subscribers", type=int, default=100)
    ap.add_argument("--rules", type=int, default=100, help="ACL rules per user")
    ap.add_argument("--window", type=int, default=5000, help="expected deliveries outstanding")
    ap.add_argument("--payload", type=int, default=64)
    ap.add_argument("--nagle", dest="nodelay", action="store_false",
                    help="keep Nagle's algorithm on (default: TCP_NODELAY on broker and clients)")
    args = ap.parse_args()

    args.plugin = args.plugin or os.path.join(args.build, "certacl.so")
    args.loadgen = args.loadgen or os.path.join(args.build, "bench", "bench_loadgen")
    args.allow_plugin = os.path.join(args.build, "bench", "bench_allow_plugin.so")
    work = args.work or os.path.join(args.build, "broker-bench")
    args.certdir = os.path.join(work, "certs")
    configs = [c for c in args.configs.split(",") if c]
    scenarios = [s for s in args.scenarios.split(",") if s]
    for c in configs:
        if c not in ALL_CONFIGS:
            sys.exit("unknown config %s" % c)
    for s in scenarios:
        if s not in SCENARIOS:
            sys.exit("unknown scenario %s" % s)
    rates = {k: float(v) for k, v in (kv.split("=", 1) for kv in args.rates.split(",") if kv)}
    for sc in scenarios:
        if rates.get(sc, 0) <= 0:
            sys.exit("--rates needs a positive rate for %s" % sc)
    if not (1 <= args.rounds <= 20 and 0 <= args.max_rounds <= 20 and 0.5 <= args.duration <= 60 and
            1 <= args.publishers <= 999 and 0 <= args.subscribers <= 999):
        sys.exit("rounds 1..20, duration 0.5..60 s, publishers/subscribers < 1000")
    for p in ((args.loadgen, MOSQUITTO) + ((args.plugin,) if "certacl" in configs else ())
              + ((args.allow_plugin,) if {"allowall", "allowall_user"} & set(configs) else ())
              + ((args.plugin_b or "--plugin-b",) if "certacl_b" in configs else ())):
        if not os.path.exists(p):
            sys.exit("not found: %s (build with: cmake --build %s)" % (p, args.build))

    os.makedirs(work, exist_ok=True)
    cns = ["node%03d" % i for i in range(args.publishers)] + ["host%03d" % j for j in range(args.subscribers)]
    ensure_certs(args.certdir, cns)
    run_dir = tempfile.mkdtemp(prefix="run-", dir=work)
    text, devices = acl_text(args.publishers, args.subscribers, args.rules, "G")
    acl_path = os.path.join(run_dir, "acl")
    with open(acl_path, "w") as f:
        f.write(text)

    cpu_model = "?"
    with open("/proc/cpuinfo") as f:
        for l in f:
            if l.startswith("model name"):
                cpu_model = l.split(":", 1)[1].strip()
                break
    log("broker_bench: %s, %d publishers + %d subscribers over TLS, %d rules per user "
        "(%d users, %d rules), %.1f s per trial, %d rounds" %
        (subprocess.run([MOSQUITTO, "-h"], stdout=subprocess.PIPE, text=True).stdout.splitlines()[0],
         args.publishers, args.subscribers, args.rules, args.publishers + args.subscribers,
         text.count("\ntopic ") + text.startswith("topic "), args.duration, args.rounds))
    log("machine: %d cpus online, %s; load average %s" %
        (os.cpu_count(), cpu_model, " ".join(open("/proc/loadavg").read().split()[:3])))
    log("work dir: %s" % run_dir)

    brokers = {}
    results = {}  # (scenario, kind, config) -> list of trial dicts (by round)
    t_start = time.monotonic()
    try:
        for c in configs:
            b = Broker(c, run_dir, args.certdir, acl_path,
                       args.plugin_b if c == "certacl_b" else args.plugin, args.nodelay, args.allow_plugin)
            b.start()
            brokers[c] = b
        for c in ("certacl", "certacl_b"):
            if c in brokers:
                time.sleep(0.2)
                if "certacl: loaded" not in brokers[c].log_text():
                    sys.exit("%s did not load:\n%s" % (c, brokers[c].log_text()[-2000:]))

        log("\n%-7s %-5s %-5s %-9s %10s %10s %8s %10s %8s %8s" %
            ("scen", "kind", "round", "config", "delivered", "msgs/s", "cpu_s", "cpu/100k",
             "lg_cpu", "lost"))
        for s in scenarios:
            plan = [("paced", r) for r in range(args.rounds)] + [("max", r) for r in range(args.max_rounds)]
            for kind, r in plan:
                order = configs[r % len(configs):] + configs[:r % len(configs)]
                for c in order:
                    rate = rates[s] if kind == "paced" else 0
                    res = trial(args, brokers[c], s, devices, rate)
                    res["round"] = r
                    results.setdefault((s, kind, c), []).append(res)
                    lost = res["expected"] - res["delivered"]
                    flag = ""
                    if kind == "paced":
                        offered = rate * (args.subscribers if SCENARIOS[s]["mode"] == "fanout" else 1)
                        if res["rate"] < 0.9 * offered * args.duration / res["elapsed"]:
                            flag = "  (did not keep up with the offered rate)"
                    log("%-7s %-5s %-5d %-9s %10d %10.0f %8.2f %10.3f %8.2f %8d%s" %
                        (s, kind, r, c, res["delivered"], res["rate"], res["cpu"], res["cpu_per_100k"],
                         res["loadgen_cpu"], lost, flag))
    finally:
        for b in brokers.values():
            b.stop()

    # ---- summary
    med = statistics.median
    log("\nsummary: medians; 'paced' = fixed offered rate (%s msgs/s published), "
        "'max' = as fast as the window allows" % ", ".join("%s %d" % (k, v) for k, v in rates.items() if k in scenarios))
    log("%-7s %-9s %12s %12s %16s %14s" % ("scen", "config", "max msgs/s", "paced msgs/s",
                                            "cpu_s/100k paced", "cpu_s/100k max"))
    for s in scenarios:
        for c in configs:
            pr = results.get((s, "paced", c), [])
            mr = results.get((s, "max", c), [])
            log("%-7s %-9s %12s %12s %16s %14s" % (
                s, c,
                "%.0f" % med(x["rate"] for x in mr) if mr else "-",
                "%.0f" % med(x["rate"] for x in pr) if pr else "-",
                "%.3f" % med(x["cpu_per_100k"] for x in pr) if pr else "-",
                "%.3f" % med(x["cpu_per_100k"] for x in mr) if mr else "-"))
    if "certacl" in configs:
        log("\nratios (median of per-round ratios; cpu = broker CPU per delivered message)")
        log("%-7s %-18s %10s %10s %10s   %s" % ("scen", "ratio", "cpu paced", "cpu max", "max msgs/s",
                                              "per round, cpu paced"))
        for s in scenarios:
            for other in ("none", "allowall", "allowall_user", "acl_file", "certacl_b"):
                if other not in configs:
                    continue
                def ratios(kind, key):
                    a = results.get((s, kind, "certacl"), [])
                    b = results.get((s, kind, other), [])
                    return [x[key] / y[key] for x, y in zip(a, b) if y[key]]
                cp, cm, rm = ratios("paced", "cpu_per_100k"), ratios("max", "cpu_per_100k"), ratios("max", "rate")
                log("%-7s %-18s %10s %10s %10s   %s" % (
                    s, "certacl/" + other,
                    "%.3f" % med(cp) if cp else "-", "%.3f" % med(cm) if cm else "-",
                    "%.3f" % med(rm) if rm else "-", " ".join("%.3f" % v for v in cp)))
    log("\ntotal time %.0f s; broker logs and configs in %s" % (time.monotonic() - t_start, run_dir))


if __name__ == "__main__":
    main()
