#!/usr/bin/env python3
"""Differential test against the real broker (issue 12): the same ACL files and the same
questions, asked of stock mosquitto (`acl_file`) and of certacl (the plugin in the same
broker build), over real MQTT.

Both brokers take the username from the certificate CN (`use_identity_as_username true`,
so certacl runs ACL-only and both see exactly the same usernames, '+', '#', '/', '$',
'%' and spaces included) and accept anonymous clients on a second listener without
certificates. For each file:

- both brokers start, or both refuse to start (certacl loads every file mosquitto loads,
  and refuses what both mosquitto versions refuse);
- every client subscribes to '#' and '$x/#' (the SUBACK is the SUBSCRIBE answer:
  mosquitto grants all), publishes every topic with QoS 1 (the PUBACK reason code is
  the WRITE answer), and a writer publishes every topic (what arrives is the READ
  answer);
- the test fails on any question where certacl allows and mosquitto denies, on any
  answer of either broker that its model (diffmodel.py, read from mosquitto's sources)
  does not predict, and on any stricter answer that no named difference of the README
  explains (diffmodel.DIFFERENCES).

The expectations of mosquitto follow the version under test (`mosquitto -h`): 2.0.x
substitutes %c/%u anywhere, 2.1.x only as a whole level.

Cases: the fixed ones below (the issue's), then CERTACL_DIFF_CASES random files (default 6)
from seed CERTACL_DIFF_SEED (default 12). A long run (README, "Differential test"):
    CERTACL_DIFF_CASES=300 CERTACL_DIFF_SEED=1 ctest --test-dir build -R differential
"""

import os
import random
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness as h  # noqa: E402
import advhelpers as ah  # noqa: E402
import diffmodel as dm  # noqa: E402

WRITER = "writer"
WRITER_RULES = "\nuser writer\ntopic write #\ntopic write $x/#\n"
SUBSCRIPTIONS = ["#", "$x/#"]
QUIET = 0.4         # no new message for this long: the deliveries are in
DELIVERY_MAX = 5.0  # ... or at most this long after the writer's last PUBACK

# Files both mosquitto versions load (certacl must load them) or refuse (certacl must
# refuse them), with the clients (CN or None for anonymous, client id) and topics asked.
LOADS = [
    ("leading-and-runs-of-spaces", "  user   alice  \n   topic    read    a/b  \t\r\n", [("alice", "c1")], ["a/b"]),
    ("no-final-newline", "user alice\ntopic readwrite a/b", [("alice", "c1")], ["a/b"]),
    ("spaces-in-names", "user   sp ace   \ntopic read with space/in topic\n",
     [("sp ace", "c1")], ["with space/in topic", "with"]),
    ("repeated-user-sections", "user alice\ntopic read a\nuser bob\ntopic read b\nuser alice\ntopic write c\n",
     [("alice", "c1"), ("bob", "c2")], ["a", "b", "c"]),
    ("one-word-topic", "user alice\ntopic read\ntopic deny\ntopic x\n",
     [("alice", "c1")], ["read", "deny", "x", "a"]),
    ("tab-inside-one-word", "user alice\ntopic read\ta/b\n", [("alice", "c1")], ["a/b", "read"]),
    ("placeholder-inside-level", "pattern write prefix-%c/data\npattern readwrite mixed/%u-%c\n",
     [("alice", "c1")], ["prefix-c1/data", "prefix-%c/data", "mixed/alice-c1", "mixed/%u-%c"]),
    ("pattern-without-placeholder", "pattern read public/#\n",
     [("alice", "c1"), (None, "anon1"), ("alice", "a+1")], ["public/x", "public"]),
    ("wildcard-client-id", "user alice\ntopic read own/#\npattern readwrite home/%u/#\n",
     [("alice", "a+1"), ("alice", "h#"), ("alice", "c1"), ("dev+1", "c2")],
     ["home/alice/x", "own/x", "home/dev+1/x"]),
    ("slash-in-client-id", "pattern readwrite devices/%c/#\n",
     [("alice", "a/b"), ("bob", "a")], ["devices/a/b/x", "devices/a/x", "devices/a/b"]),
    ("slash-in-username", "pattern readwrite users/%u/#\n",
     [("a/b", "c1"), ("bob", "c2")], ["users/a/b/x", "users/a/x", "users/bob/x"]),
    ("dollar-username", "pattern readwrite %u/#\nuser alice\ntopic read $x/#\n",
     [("$dol", "c1"), ("alice", "c2")], ["$dol/x", "$x/a", "alice/x"]),
    ("deny-wins", "user alice\ntopic readwrite a/#\npattern deny a/secret\n",
     [("alice", "c1"), ("bob", "c2")], ["a/secret", "a/open"]),
    ("deny-unknown-value", "topic readwrite x/#\npattern deny x/%u\n",
     [(None, "anon1"), ("alice", "c1")], ["x/alice", "x/y"]),
    ("dollar-topics", "pattern readwrite +/#\nuser alice\ntopic readwrite #\n",
     [("alice", "c1"), ("bob", "c2")], ["$x/a", "a", "$SYS/x", "$share/g/a"]),
    ("user-name-with-hash", "user bob # not a comment\ntopic read a\n",
     [("bob", "c1")], ["a"]),
    ("200-slashes", "user alice\ntopic read %s\ntopic read a\n" % "/".join(["l"] * 201),
     [("alice", "c1")], ["a"]),
]
# Lines that load but are almost surely a mistake: certacl logs a warning at start.
WARNINGS = {"one-word-topic": "one-word-topic", "placeholder-inside-level": "placeholder-in-level",
            "pattern-without-placeholder": "pattern-no-placeholder"}
REFUSES = [
    ("tab-separator", "user alice\ntopic\tread a/b\n"),
    ("tab-before-keyword", "\ttopic read a/b\n"),
    ("tab-after-user", "user\talice\n"),
    ("indented-comment", "topic read a\n  # comment\n"),
    ("trailing-comment", "topic read a/b # comment\n"),
    ("keyword-case", "User alice\n"),
    ("access-case", "topic READ a/b\n"),
    ("readonly", "topic readonly a/b\n"),
    ("topic-with-spaces-no-access", "topic my topic\n"),
    ("user-without-name", "user\n"),
    ("topic-without-filter", "topic\n"),
    ("hash-not-last", "topic read a/#/b\n"),
    ("plus-inside-level", "topic read a/b+/c\n"),
    ("bom", "\ufefftopic read a/b\n"),
    ("more-than-200-slashes", "topic read %s\n" % "/".join(["l"] * 202)),
]


class Tally:
    """What the run asked and saw, for the closing table."""

    def __init__(self):
        self.files = self.questions = self.same = self.refused_both = 0
        self.stricter = {}
        self.failures = []

    def fail(self, text):
        h.log("  FAIL " + text)
        self.failures.append(text)


def cert_names(cases):
    names = {WRITER}
    for _, _, clients, _ in cases:
        names.update(cn for cn, _ in clients if cn)
    return sorted(names)


def make_env(cns):
    """Certificates: CNs with '+', '#', '/', '$', '%' or spaces are built by advhelpers
    (files u0, u1, ...); returns (env, {CN: certificate name})."""
    env = h.CertEnv([WRITER])
    key = env.cert(WRITER)[1]
    files = {WRITER: WRITER}
    for i, cn in enumerate(c for c in cns if c != WRITER):
        files[cn] = "u%d" % i
        ah.make_cert(env, files[cn], ah.name(ah.rdn(ah.OID_CN, cn)), key)
    return env, files


def brokers(env, acl_path):
    """The two brokers for one file: stock acl_file, and certacl ACL-only."""
    listeners = [{"extra": ["use_identity_as_username true"]}, {"require_certificate": False}]
    stock = h.Broker(env, plugin=None, name="stock", listeners=[dict(l) for l in listeners],
                     global_lines=["acl_file %s" % acl_path, "allow_anonymous true"])
    ours = h.Broker(env, acl_files=[acl_path], name="certacl", listeners=[dict(l) for l in listeners],
                    global_lines=["allow_anonymous true"], plugin_opts=[("no_cert", "defer")])
    return stock, ours


def start(broker):
    """Start; True when it runs, False when it refused to start."""
    try:
        broker.start()
        return True
    except h.BrokerError as e:
        h.log("    %s refused to start: %s" % (broker.name, str(e).splitlines()[-1][:200]))
        return False


def wait_deliveries(clients):
    """Until no client got a message for QUIET seconds (at most DELIVERY_MAX)."""
    deadline = time.monotonic() + DELIVERY_MAX
    last = -1
    for _ in range(int(DELIVERY_MAX / QUIET) + 2):
        n = sum(len(c.received()) for c in clients)
        if n == last or time.monotonic() > deadline:
            return
        last = n
        time.sleep(QUIET)


def ask(broker, env, files, clients, topics, tag):
    """Every client publishes every topic; the writer publishes every topic to all.
    Returns ({(i, topic): write allowed}, {(i, topic): read seen}, {(i, filter):
    subscription granted})."""
    conns, subacks = [], []
    try:
        for cn, cid in clients + [(WRITER, "writer-" + tag)]:
            port = broker.ports[0] if cn else broker.ports[1]
            cl = h.Client(env, port, files[cn] if cn else None, client_id=cid)
            conns.append(cl)
            r = cl.connect()
            if r.rc != 0:
                raise h.BrokerError("%s: client %r/%r did not connect: %r" % (broker.name, cn, cid, r))
            subacks.append(cl.subscribe(SUBSCRIPTIONS) or [None] * len(SUBSCRIPTIONS))
        subs = {(i, f): h.suback_granted(subacks[i][k]) for i in range(len(clients))
                for k, f in enumerate(SUBSCRIPTIONS)}
        writes = {}
        for i, cl in enumerate(conns[:-1]):
            for t in topics:
                writes[(i, t)] = h.publish_allowed(cl.publish(t, "c%d" % i))
        written = [t for t in topics if h.publish_allowed(conns[-1].publish(t, "w:" + t))]
        wait_deliveries(conns)
        reads = {}
        for i, cl in enumerate(conns[:-1]):
            got = {m[0] for m in cl.received() if m[1] == "w:" + m[0]}
            for t in written:
                reads[(i, t)] = t in got
        return writes, reads, subs
    finally:
        for cl in conns:
            cl.close()


def compare(tally, name, acl, clients, stock, ours, v21):
    """Check one file's answers: never more permissive, each broker as its model."""
    sw, sr, ss = stock
    cw, cr, cs = ours
    for key, granted in ss.items():
        tally.questions += 1
        if cs[key] and not granted:
            tally.fail("%s: subscribe %r by %r: certacl grants what mosquitto refuses"
                       % (name, key[1], clients[key[0]]))
        elif granted and not cs[key]:
            tally.stricter["subscribe-checked"] = tally.stricter.get("subscribe-checked", 0) + 1
        else:
            tally.same += 1
    for need, s_ans, c_ans in ((dm.WRITE, sw, cw), (dm.READ, sr, cr)):
        for key in s_ans:
            if key not in c_ans:
                continue   # the writer's publish was refused by one broker only
            i, topic = key
            user, cid = clients[i]
            what = "%s: %s %r by user %r client id %r" % (name, "write" if need == dm.WRITE else "read",
                                                          topic, user, cid)
            tally.questions += 1
            s_model = dm.stock_decide(acl, user, cid, topic, need, v21)[0] and not refused_first(topic, need)
            c_model = dm.certacl_decide(acl, user, cid, topic, need)[0] and not refused_first(topic, need)
            if s_ans[key] != s_model:
                tally.fail("%s: mosquitto %s, its model says %s" % (what, s_ans[key], s_model))
            if c_ans[key] != c_model:
                tally.fail("%s: certacl %s, its model says %s" % (what, c_ans[key], c_model))
            if c_ans[key] and not s_ans[key]:
                tally.fail("%s: certacl allows what mosquitto denies" % what)
            elif s_ans[key] and not c_ans[key]:
                why = dm.classify(acl, user, cid, topic, need, v21)
                if why is None:
                    tally.fail("%s: certacl denies, and no README difference explains it" % what)
                tally.stricter[why] = tally.stricter.get(why, 0) + 1
            else:
                tally.same += 1


def refused_first(topic, need):
    """What mosquitto refuses before any ACL ($SYS writes, $share)."""
    if topic.startswith("$SYS") and need == dm.WRITE:
        return not dm.matches("$SYS/broker/connection/+/state", topic)
    return topic.startswith("$share")


def run_case(tally, env, files, name, text, clients, topics, v21, must_load=None):
    acl_path = env.write("acl-" + name, text + WRITER_RULES)
    stock, ours = brokers(env, acl_path)
    tally.files += 1
    h.log("[%s] %d clients, %d topics" % (name, len(clients), len(topics)))
    try:
        s_up, c_up = start(stock), start(ours)
        if s_up != c_up:
            tally.fail("%s: mosquitto %s, certacl %s" % (name, "loads" if s_up else "refuses",
                                                         "loads" if c_up else "refuses"))
            return
        if must_load is not None and s_up != must_load:
            tally.fail("%s: mosquitto %s it, expected otherwise" % (name, "loads" if s_up else "refuses"))
        if not s_up:
            tally.refused_both += 1
            if not re.search(r"certacl: %s:\d+: " % re.escape(acl_path), ours.log()):
                tally.fail("%s: certacl's refusal names no file:line" % name)
            return
        if name in WARNINGS and not re.search(r"certacl: %s:\d+: warning: .*\[%s\]" % (
                re.escape(acl_path), WARNINGS[name]), ours.log()):
            tally.fail("%s: certacl logged no [%s] warning at start" % (name, WARNINGS[name]))
        s = ask(stock, env, files, clients, topics, name)
        c = ask(ours, env, files, clients, topics, name)
        compare(tally, name, dm.Acl(text + WRITER_RULES), clients, s, c, v21)
    finally:
        stock.stop()
        ours.stop()


def random_cases(seed, count):
    rng = random.Random(seed)
    cases = []
    for n in range(count):
        users = rng.sample(dm.USERS, 3)
        cids = rng.sample(dm.CLIENT_IDS, 4)
        clients = [(u, cids[i]) for i, u in enumerate(users)] + [(None, cids[3])]
        text = dm.random_acl(rng, users)
        topics = dm.topics_for(dm.Acl(text), [(u or "", c) for u, c in clients], rng, 24)
        cases.append(("random-%d-%d" % (seed, n), text, clients, topics))
    return cases


def main():
    v21 = h.broker_is_21()
    seed = int(os.environ.get("CERTACL_DIFF_SEED", "12"))
    count = int(os.environ.get("CERTACL_DIFF_CASES", "6"))
    cases = LOADS + random_cases(seed, count)
    env, files = make_env(cert_names(cases))
    tally = Tally()
    h.log("mosquitto %s, seed %d, %d random files" % (".".join(map(str, h.broker_version())), seed, count))
    try:
        for name, text, clients, topics in cases:
            run_case(tally, env, files, name, text, clients, topics, v21,
                     must_load=True if not name.startswith("random-") else None)
        for name, text in REFUSES:
            run_case(tally, env, files, name, text, [], [], v21, must_load=False)
    finally:
        env.cleanup()
    for why in tally.stricter:
        if why and dm.DIFFERENCES[why] not in open(os.path.join(h.SOURCE_DIR, "README.md"),
                                                   encoding="utf-8").read():
            tally.fail("README names no difference %s" % dm.DIFFERENCES[why])
    rows = [[k or "unexplained", v] for k, v in sorted(tally.stricter.items(), key=str)]
    h.print_table("differential: %d files (%d refused by both), %d questions, %d answered alike"
                  % (tally.files, tally.refused_both, tally.questions, tally.same),
                  ["certacl stricter, because of", "questions"], rows)
    if tally.failures or tally.questions == 0:
        h.log("%d failures" % len(tally.failures))
        sys.exit(1)


if __name__ == "__main__":
    main()
