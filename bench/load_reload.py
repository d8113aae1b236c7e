#!/usr/bin/env python3
"""load_reload: reload under load (issue 7 item 6). See bench/README-load.md.

The real mosquitto with certacl on 127.0.0.1, CLIENTS (2,000) concurrent TLS clients
each with its own certificate (made once by scripts/gencerts into WORK/certs and reused),
driven by bench/load_reload_clients.c (libmosquitto, one thread, one poll loop; compiled
into WORK by this script). Each client subscribes QoS 1 to load/<its id>/in and publishes
QoS 1 to the next client's load/<id>/in, RATE messages a second, for DURATION seconds.

Meanwhile the policy is reloaded every INTERVAL seconds (SIGHUP to the broker's recorded
PID, waiting for certacl's `reloaded` / `reload failed` line each time): two equivalent
policies in turn (A: two `pattern` lines; B: one `user` section per client, 2*CLIENTS+
rules, so something really changes), and every BROKEN_EVERY-th reload a broken file
(its valid first line grants read only: were it half-loaded, every publish would be
denied), which must be kept out. The deny list (a few hundred unrelated serials) is
re-read each time too, and mosquitto re-authenticates all CLIENTS connections after
every reload.

Pass: the broker is alive at the end; every client connected (none refused) and none
was disconnected; every reload gave the expected line; no PUBACK was a refusal; every
message acknowledged with success was delivered to its addressee (counted per client);
no client saw a message that was not its own. Numbers: connect time, messages,
deliveries, reload latency (SIGHUP -> log line), broker CPU and RSS before and after.
Exit status 0 on pass, 1 on failure.

Everything is bounded (each wait has a timeout, the loader has a hard deadline), the
broker listens on 127.0.0.1 only and is stopped by its recorded PID.
"""

import argparse
import os
import random
import re
import resource
import signal
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, ".."))
GENCERTS = os.path.join(SOURCE_DIR, "scripts", "gencerts")
MOSQUITTO = os.environ.get("CERTACL_MOSQUITTO", "/usr/sbin/mosquitto")
CLIENT_SRC = os.path.join(HERE, "load_reload_clients.c")
CLK_TCK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")


def log(msg):
    print(msg, flush=True)


def cn(prefix, i):
    return "%s%04d" % (prefix, i)


# --------------------------------------------------------------------------- preparation

def _pair_ok(certdir, name):
    """The key belongs to the certificate (same public key)."""
    pem, key = (os.path.join(certdir, name + ext) for ext in (".pem", ".key"))
    a = subprocess.run(["openssl", "x509", "-in", pem, "-noout", "-pubkey"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=30)
    b = subprocess.run(["openssl", "pkey", "-in", key, "-pubout"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, timeout=30)
    return a.returncode == 0 and b.returncode == 0 and a.stdout == b.stdout


def ensure_certs(certdir, prefix, n, jobs):
    """CA + server + prefix0000.. certificates in certdir; generate only what is missing,
    in `jobs` parallel gencerts runs (the CA is made first), then check once that every
    key matches its certificate (the names checked are kept in certdir/.verified).
    Do not run two of these on the same directory at once."""
    os.makedirs(certdir, exist_ok=True)
    if not os.path.exists(os.path.join(certdir, "ca.pem")):
        subprocess.run([GENCERTS, "-q", "--out", certdir, "--days", "3650", "--", cn(prefix, 0)],
                       check=True, timeout=300)
    verified_path = os.path.join(certdir, ".verified")
    verified = set(open(verified_path).read().split()) if os.path.exists(verified_path) else set()
    for attempt in range(3):
        missing = [cn(prefix, i) for i in range(n)
                   if not os.path.exists(os.path.join(certdir, cn(prefix, i) + ".pem"))]
        if missing:
            log("generating %d client certificates into %s (RSA 2048, %d at a time: this takes a "
                "while, once)" % (len(missing), certdir, jobs))
            t0 = last = time.monotonic()
            batches = [missing[i:i + 25] for i in range(0, len(missing), 25)]
            total = len(batches)
            running = []
            while batches or running:
                while batches and len(running) < jobs:
                    running.append(subprocess.Popen([GENCERTS, "-q", "--out", certdir, "--days", "3650",
                                                     "--"] + batches.pop(0)))
                for p in list(running):
                    if p.poll() is not None:
                        running.remove(p)
                        if p.returncode != 0:
                            raise SystemExit("gencerts failed (%d)" % p.returncode)
                time.sleep(0.2)
                if time.monotonic() - last > 15:
                    last = time.monotonic()
                    log("  %d of %d batches done (%.0f s)" % (total - len(batches) - len(running), total,
                                                               last - t0))
        todo = [cn(prefix, i) for i in range(n) if cn(prefix, i) not in verified]
        if todo:
            log("checking that %d keys match their certificates" % len(todo))
        bad = []
        for name in todo:
            if _pair_ok(certdir, name):
                verified.add(name)
            else:
                bad.append(name)
        with open(verified_path, "w") as f:
            f.write("\n".join(sorted(verified)) + "\n")
        if not bad:
            return
        log("%d key/certificate pairs do not match (e.g. %s): issuing them again" % (len(bad), bad[:3]))
        for name in bad:
            os.remove(os.path.join(certdir, name + ".pem"))
    raise SystemExit("could not make matching certificates in %s" % certdir)


def build_client(work):
    exe = os.path.join(work, "load_reload_clients")
    if not os.path.exists(exe) or os.path.getmtime(exe) < os.path.getmtime(CLIENT_SRC):
        cc = os.environ.get("CC", "cc")
        subprocess.run([cc, "-std=c11", "-O2", "-Wall", "-Wextra", "-o", exe, CLIENT_SRC, "-lmosquitto"],
                       check=True, timeout=120)
    return exe


def raise_nofile(need):
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else max(need, soft)
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < need:
        raise SystemExit("RLIMIT_NOFILE is %d; %d needed (raise the hard limit: ulimit -Hn)" % (soft, need))
    return soft


def policies(prefix, n):
    a = ("# policy A: patterns\n"
         "pattern read load/%u/in\n"
         "pattern write load/+/in\n")
    b = ["# policy B: the same rights, one section per client"]
    for i in range(n):
        b += ["user %s" % cn(prefix, i), "topic read load/%s/in" % cn(prefix, i), "topic write load/+/in", ""]
    broken = ("# broken on line 4: read-only if it were half-loaded\n"
              "pattern read load/%u/in\n"
              "# (no write rule)\n"
              "topic read load/#/x\n")
    return a, "\n".join(b) + "\n", broken


def write_atomic(path, text):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def proc_stats(pid):
    """(cpu seconds, RSS MiB, threads) of a process from /proc."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK
    rss = int(fields[21]) * PAGE / (1024 * 1024)
    return cpu, rss


class SyncProbe:
    """One more MQTT v5 client (TLS, the first client's certificate, its own client id)
    for PINGREQ/PINGRESP round trips. mosquitto 2.0 logs certacl's reload line from the
    middle of its reload block: it then re-authenticates every client and only afterwards
    clears its reload flag, so a SIGHUP arriving before that is lost. A PINGRESP is sent
    by the main loop after the block: once it is back, the next SIGHUP counts."""

    def __init__(self, port, certdir, name):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.load_verify_locations(os.path.join(certdir, "ca.pem"))
        ctx.load_cert_chain(os.path.join(certdir, name + ".pem"), os.path.join(certdir, name + ".key"))
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        self.sock = ctx.wrap_socket(raw, server_hostname="127.0.0.1")
        cid = b"load-reload-sync"
        body = (b"\x00\x04MQTT\x05\x02" + struct.pack("!H", 600) + b"\x00"
                + struct.pack("!H", len(cid)) + cid)
        self.sock.sendall(bytes([0x10, len(body)]) + body)
        first, rest = self._packet(30)
        if first >> 4 != 2 or rest[1] != 0:
            raise SystemExit("sync probe: CONNECT refused: %r" % rest)

    def _packet(self, timeout):
        self.sock.settimeout(timeout)
        head = self._read(2)
        n, mult, b = head[1] & 0x7F, 128, head[1]
        while b & 0x80:
            b = self._read(1)[0]
            n += (b & 0x7F) * mult
            mult *= 128
        return head[0], self._read(n)

    def _read(self, n):
        out = b""
        while len(out) < n:
            d = self.sock.recv(n - len(out))
            if not d:
                raise OSError("connection closed")
            out += d
        return out

    def ping(self, timeout=10):
        """True when a PINGRESP came back within timeout seconds."""
        try:
            self.sock.sendall(b"\xc0\x00")
            first, _ = self._packet(timeout)
            return first >> 4 == 13
        except (OSError, ssl.SSLError):
            return False

    def close(self):
        try:
            self.sock.sendall(b"\xe0\x00")
            self.sock.close()
        except (OSError, ssl.SSLError):
            pass


# --------------------------------------------------------------------------- run

class LogWatch:
    """The broker's log file, read incrementally."""

    def __init__(self, path):
        self.path = path

    def size(self):
        try:
            return os.path.getsize(self.path)
        except OSError:
            return 0

    def text(self, since=0):
        with open(self.path, "rb") as f:
            f.seek(since)
            return f.read().decode("utf-8", "replace")

    def wait(self, rx, since, timeout):
        deadline = time.monotonic() + timeout
        rx = re.compile(rx)
        while time.monotonic() < deadline:
            m = rx.search(self.text(since))
            if m:
                return m.group(0)
            time.sleep(0.01)
        return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=2000)
    ap.add_argument("--rate", type=float, default=1.0, help="QoS 1 messages per client per second")
    ap.add_argument("--duration", type=float, default=60.0, help="seconds of load")
    ap.add_argument("--interval", type=float, default=1.0, help="seconds between reloads")
    ap.add_argument("--broken-every", type=int, default=5, help="every Nth reload is a broken policy")
    ap.add_argument("--work", default=os.path.join(SOURCE_DIR, "build-load"),
                    help="work directory: certs/ cache, the compiled client, run logs")
    ap.add_argument("--plugin", default=os.environ.get("CERTACL_PLUGIN", os.path.join(SOURCE_DIR, "build", "certacl.so")))
    ap.add_argument("--prefix", default="lr")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel gencerts runs")
    ap.add_argument("--timeout", type=float, default=600.0, help="hard limit of the whole run after certificates")
    args = ap.parse_args()

    work = os.path.abspath(args.work)
    certdir = os.path.join(work, "certs")
    os.makedirs(work, exist_ok=True)
    if not os.path.exists(args.plugin):
        raise SystemExit("plugin not found: %s (build it or give --plugin)" % args.plugin)
    ensure_certs(certdir, args.prefix, args.clients, args.jobs)
    exe = build_client(work)
    nofile = raise_nofile(args.clients + 256)

    run = os.path.join(work, "run-%s" % time.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(run)
    pol_a, pol_b, pol_broken = policies(args.prefix, args.clients)
    acl = os.path.join(run, "policy.acl")
    write_atomic(acl, pol_a)
    deny = os.path.join(run, "revoked.txt")
    rnd = random.Random(7)
    write_atomic(deny, "".join("serial %032x\n" % rnd.getrandbits(124) for _ in range(300)))
    port = free_port()
    conf = os.path.join(run, "mosquitto.conf")
    with open(conf, "w") as f:
        f.write("\n".join([
            "per_listener_settings false", "allow_anonymous false", "user root",
            "log_dest stderr", "log_type error", "log_type warning", "log_type notice",
            "log_type information",
            "max_queued_messages 10000", "",
            "listener %d 127.0.0.1" % port, "max_connections -1",
            "cafile %s" % os.path.join(certdir, "ca.pem"),
            "certfile %s" % os.path.join(certdir, "server.pem"),
            "keyfile %s" % os.path.join(certdir, "server.key"),
            "require_certificate true", "",
            "plugin %s" % os.path.abspath(args.plugin),
            "plugin_opt_acl_file %s" % acl,
            "plugin_opt_deny_list %s" % deny,
            "plugin_opt_stats_interval 0", ""]))
    blog = os.path.join(run, "broker.log")
    logf = open(blog, "wb")
    broker = subprocess.Popen([MOSQUITTO, "-c", conf], stdin=subprocess.DEVNULL, stdout=logf,
                              stderr=subprocess.STDOUT)
    pid = broker.pid
    watch = LogWatch(blog)
    loader = None
    probe = None
    failures = []
    hard_deadline = time.monotonic() + args.timeout
    try:
        t0 = time.monotonic()
        while time.monotonic() - t0 < 15:
            if broker.poll() is not None:
                raise SystemExit("broker exited at start:\n" + watch.text())
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.05)
        log("broker pid %d on 127.0.0.1:%d (RLIMIT_NOFILE %d), run directory %s" % (pid, port, nofile, run))
        cpu0, rss0 = proc_stats(pid)
        probe = SyncProbe(port, certdir, cn(args.prefix, 0))

        loader = subprocess.Popen([exe, "--port", str(port), "--certdir", certdir, "--prefix", args.prefix,
                                   "--clients", str(args.clients), "--rate", str(args.rate),
                                   "--duration", str(args.duration), "--drain", "30",
                                   "--timeout", "300"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=open(os.path.join(run, "clients.stderr"), "wb"), text=True)
        lines = []
        cv = threading.Condition()

        def reader():
            for line in loader.stdout:
                with cv:
                    lines.append(line.rstrip("\n"))
                    cv.notify_all()
            with cv:
                lines.append(None)
                cv.notify_all()

        threading.Thread(target=reader, daemon=True).start()

        def wait_line(prefix, timeout):
            deadline = time.monotonic() + timeout
            with cv:
                while True:
                    for l in lines:
                        if l is None:
                            return None
                        if l.startswith(prefix) or l.startswith("ERROR"):
                            lines.remove(l)
                            return l
                    left = deadline - time.monotonic()
                    if left <= 0:
                        return None
                    cv.wait(left)

        t_conn = time.monotonic()
        ready = wait_line("READY", 330)
        if not ready or not ready.startswith("READY"):
            raise SystemExit("clients did not get ready: %s" % ready)
        log("%s (%.1f s including subscriptions)" % (ready, time.monotonic() - t_conn))
        cpu1, rss1 = proc_stats(pid)
        refused_before = len(re.findall(r"certacl: refused CONNECT", watch.text()))

        loader.stdin.write("GO\n")
        loader.stdin.flush()
        t_go = time.monotonic()
        reloads = []        # (kind, seconds, line)
        syncs = []          # SIGHUP -> PINGRESP after the reload line (reload block finished)
        k = 0
        good_turn = 0
        while time.monotonic() - t_go < args.duration:
            next_at = t_go + (k + 1) * args.interval
            while time.monotonic() < next_at:
                with cv:
                    ticks = [l for l in lines if l and l.startswith("TICK")]
                    for l in ticks:
                        lines.remove(l)
                for l in ticks:
                    if int(float(re.search(r"t=([\d.]+)", l).group(1))) % 10 == 0:
                        log("  " + l)
                time.sleep(min(0.05, max(0.0, next_at - time.monotonic())))
            if time.monotonic() - t_go >= args.duration:
                break
            if broker.poll() is not None:
                failures.append("the broker exited during the run (status %s)" % broker.returncode)
                break
            broken = args.broken_every > 0 and k % args.broken_every == args.broken_every - 1
            if broken:
                write_atomic(acl, pol_broken)
                kind, want = "broken", r"certacl: reload failed, keeping the previous policy: [^\n]*"
            else:
                write_atomic(acl, pol_a if good_turn % 2 else pol_b)
                kind = "B" if good_turn % 2 == 0 else "A"
                want = r"certacl: reloaded \d+ rules[^\n]*"
                good_turn += 1
            since = watch.size()
            ts = time.monotonic()
            os.kill(pid, signal.SIGHUP)
            line = watch.wait(r"certacl: (reloaded|reload failed)[^\n]*", since, timeout=10)
            dt = time.monotonic() - ts
            reloads.append((kind, dt, line))
            if line is None:
                failures.append("reload %d (%s): no certacl line within 10 s" % (k, kind))
            elif not re.match(want, line):
                failures.append("reload %d (%s): unexpected line: %s" % (k, kind, line))
            if not probe.ping(10):
                failures.append("reload %d (%s): no PINGRESP within 10 s after it" % (k, kind))
            syncs.append(time.monotonic() - ts)
            if broken:
                write_atomic(acl, pol_a if good_turn % 2 else pol_b)   # restore (next reload re-reads)
            k += 1
            if time.monotonic() > hard_deadline:
                failures.append("hard deadline reached")
                break

        done = wait_line("DONE", args.duration + 120)
        with cv:
            bad = [l for l in lines if l and l.startswith("BAD")]
        if not done or not done.startswith("DONE"):
            failures.append("clients did not finish: %s" % done)
            done = ""
        cpu2, rss2 = proc_stats(pid) if broker.poll() is None else (float("nan"), float("nan"))
        alive = broker.poll() is None
        text = watch.text()
        refused = len(re.findall(r"certacl: refused CONNECT", text)) - refused_before
        disconnect_lines = re.findall(r"Client (?!<unknown>)\S+ (?:disconnected|closed its connection)[^\n]*", text)
        log("")
        log(done)
        for l in bad:
            log(l)
        stats = dict(kv.split("=", 1) for kv in done.split()[1:]) if done else {}

        def num(key):
            return float(stats.get(key, "nan"))

        good = [r for r in reloads if r[0] != "broken"]
        brk = [r for r in reloads if r[0] == "broken"]
        lat = sorted(r[1] for r in reloads)
        log("")
        log("reloads: %d (%d good A/B, %d broken); SIGHUP -> log line: median %.3f s, max %.3f s"
            % (len(reloads), len(good), len(brk), lat[len(lat) // 2] if lat else -1, lat[-1] if lat else -1))
        sy = sorted(syncs)
        log("SIGHUP -> reload block done (incl. re-authenticating every client; PINGRESP): "
            "median %.3f s, max %.3f s" % (sy[len(sy) // 2] if sy else -1, sy[-1] if sy else -1))
        rule_counts = sorted(set(re.findall(r"reloaded (\d+) rules", text)))
        log("rule counts seen in 'reloaded' lines: %s" % ", ".join(rule_counts))
        log("broker: CPU %.1f s during the load phase; RSS %.1f MiB at start, %.1f MiB with %d clients, "
            "%.1f MiB at the end" % (cpu2 - cpu1, rss0, rss1, args.clients, rss2))
        if not alive:
            failures.append("the broker is not running at the end (status %s)" % broker.returncode)
        if refused:
            failures.append("%d 'refused CONNECT' lines during the run" % refused)
        if disconnect_lines:
            failures.append("%d client disconnect lines during the run, e.g. %s"
                            % (len(disconnect_lines), disconnect_lines[:3]))
        for key in ("denied", "unacked", "missing", "foreign", "pub_errors", "disconnects", "bad_clients"):
            if num(key) != 0:
                failures.append("%s = %s (expected 0)" % (key, stats.get(key)))
        if num("still_connected") != args.clients:
            failures.append("still_connected = %s of %d" % (stats.get("still_connected"), args.clients))
        if num("published") < args.clients * args.rate * args.duration * 0.95:
            failures.append("published only %s messages" % stats.get("published"))
        if not brk and 0 < args.broken_every <= len(reloads):
            failures.append("no broken reload happened")
    finally:
        if probe:
            probe.close()
        if loader and loader.poll() is None:
            try:
                loader.stdin.write("QUIT\n")
                loader.stdin.flush()
            except (BrokenPipeError, OSError):
                pass
            try:
                loader.wait(timeout=20)
            except subprocess.TimeoutExpired:
                loader.kill()
                loader.wait(timeout=10)
        if broker.poll() is None:
            broker.send_signal(signal.SIGTERM)   # our recorded PID only
            try:
                broker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                broker.kill()
                broker.wait(timeout=10)
        logf.close()

    log("")
    if failures:
        log("FAIL:")
        for f in failures:
            log("  - " + f)
        log("broker log: %s" % blog)
        return 1
    log("PASS: %d clients, %d QoS 1 messages acknowledged and each delivered to its addressee, "
        "%s reloads (%d broken kept out), no refusal, no disconnect, broker alive"
        % (args.clients, num("acked_ok"), len(reloads), len(brk)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
