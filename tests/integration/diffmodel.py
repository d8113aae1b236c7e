"""Models for the differential test (test_differential.py, issue 12): how stock
mosquitto's acl_file (2.0.x and 2.1.x, read from their sources: src/security_default.c
at v2.0.11, plugins/acl-file/ and libcommon/topic_common.c at v2.1.2) and certacl
decide a publish or a delivery, and a generator of random ACL files and questions.

The test asks the real brokers; the models only explain what it sees: every answer of
each broker must equal its model's, and every question where certacl is stricter is
classified by the README difference that explains it (DIFFERENCES).
"""

import random

READ, WRITE = 1, 2
ACCESS = {"read": READ, "write": WRITE, "readwrite": READ | WRITE, "deny": 0}
SPACES = " \t\n\r\v\f"  # C isspace(): what mosquitto trims

# README "How certacl decides, and where it differs from mosquitto": the name of each
# difference that can make certacl deny a publish or a delivery that mosquitto allows.
DIFFERENCES = {
    "deny-wins": "**Deny wins**",
    "deny-unknown-value": "**A deny with an unknown value**",
    "unsafe-value": "**Unsafe substituted values**",
    "placeholder-in-level": "**Placeholders inside a level**",
    "subscribe-checked": "**SUBSCRIBE is checked**",
}


class Rule:
    def __init__(self, filt, access, pattern, line):
        self.filter, self.access, self.pattern, self.line = filt, access, pattern, line
        self.deny = access == 0

    def __repr__(self):
        return "line %d %s %r" % (self.line, "pattern" if self.pattern else "topic", self.filter)


class Acl:
    """An ACL file as mosquitto reads it (the caller knows it loaded)."""

    def __init__(self, text):
        self.anon, self.users, self.patterns = [], {}, []
        user = None
        for n, raw in enumerate(text.split("\n"), 1):
            line = raw.rstrip(SPACES)
            if line.startswith("#"):
                continue
            body = line.lstrip(" ")
            if not body:
                continue
            kw, _, rest = body.partition(" ")
            if kw == "user":
                user = rest.strip(SPACES)
                self.users.setdefault(user, [])
                continue
            # strtok_r(" ") for the access word, then the rest after one space
            word, _, after = rest.lstrip(" ").partition(" ")
            if after:
                r = Rule(after.strip(SPACES), ACCESS[word], kw == "pattern", n)
            else:
                r = Rule(word, READ | WRITE, kw == "pattern", n)
            if r.pattern:
                self.patterns.append(r)
            elif user is None:
                self.anon.append(r)
            else:
                self.users[user].append(r)


def matches(filt, topic):
    """MQTT matching as mosquitto_topic_matches_sub: a '$' topic only against a '$' filter."""
    if filt.startswith("$") != topic.startswith("$"):
        return False
    f, t = filt.split("/"), topic.split("/")
    for i, lv in enumerate(f):
        if lv == "#":
            return True
        if i >= len(t) or (lv != "+" and lv != t[i]):
            return False
    return len(f) == len(t)


def wild(name):
    return name is not None and ("+" in name or "#" in name)


def subst20(filt, user, cid):
    """2.0's text substitution: %c and %u anywhere, one pass."""
    out, i = [], 0
    while i < len(filt):
        if i < len(filt) - 1 and filt[i] == "%":
            if filt[i + 1] == "c":
                out.append(cid)
                i += 2
                continue
            if user is not None and filt[i + 1] == "u":
                out.append(user)
                i += 2
                continue
        out.append(filt[i])
        i += 1
    return "".join(out)


def match21(filt, topic, user, cid):
    """2.1's mosquitto_topic_matches_sub_with_pattern: %c/%u only as a whole level, an
    empty or missing value or one with '/' never matches; anything else is literal."""
    if filt.startswith("$") != topic.startswith("$"):
        return False
    levels = []
    for lv in filt.split("/"):
        if lv in ("%c", "%u"):
            v = cid if lv == "%c" else user
            if not v or "/" in v:
                return False
            lv = v
        levels.append(lv)
    return matches("/".join(levels), topic)


def stock_decide(acl, user, cid, topic, need, v21):
    """mosquitto's acl_file: (allowed, deciding rule or None)."""
    rules = acl.anon if user is None else acl.users.get(user, [])
    for r in [r for r in rules if r.deny] + [r for r in rules if not r.deny]:
        if matches(r.filter, topic):
            if r.deny:
                return False, r
            if r.access & need:
                return True, r
    if acl.patterns and (wild(user) or wild(cid)):
        return False, None
    for r in [r for r in acl.patterns if r.deny] + [r for r in acl.patterns if not r.deny]:
        if "%u" in r.filter and user is None:
            continue
        m = match21(r.filter, topic, user, cid) if v21 else matches(subst20(r.filter, user, cid), topic)
        if m:
            if r.deny:
                return False, r
            if r.access & need:
                return True, r
    return False, None


def level_kind(lv):
    """certacl's reading of a pattern level: 'u', 'c', 'cert' (%{...}), 'inside' (a
    placeholder that does not fill the level) or None (literal)."""
    if lv in ("%u", "%c"):
        return lv[1]
    if lv in ("%{cn}", "%{ou}", "%{o}", "%{serial}", "%{san.dns}", "%{san.email}", "%{san.uri}"):
        return "cert"
    if any(lv[i] == "%" and lv[i + 1] in "uc{" for i in range(len(lv) - 1)):
        return "inside"
    return None


def safe_value(v):
    return (bool(v) and len(v.encode()) <= 256 and not any(c in v for c in "+#/")
            and not any(ord(c) < 0x20 or 0x7F <= ord(c) <= 0x9F for c in v))


def certacl_filter(r, user, cid):
    """A pattern's filter for this client as certacl reads it, and whether a level had no
    usable value: None when an allow grants nothing; in a deny such a level is '+'."""
    out, unusable = [], False
    for i, lv in enumerate(r.filter.split("/")):
        kind = level_kind(lv)
        if kind is None:
            out.append(lv)
            continue
        v = {"u": user, "c": cid}.get(kind)   # no certificate values in ACL-only mode
        if v is None or not safe_value(v) or (i == 0 and v.startswith("$")):
            if not r.deny:
                return None, True
            out.append("+")
            unusable = True
        else:
            out.append(v)
    return "/".join(out), unusable


def certacl_decide(acl, user, cid, topic, need):
    """certacl: (allowed, deciding rule): any matching deny denies, then any allow."""
    rules = acl.anon if not user else acl.users.get(user, [])
    allow = None
    for r in rules:
        if matches(r.filter, topic):
            if r.deny:
                return False, r
            if r.access & need and allow is None:
                allow = r
    for r in acl.patterns:
        if not r.deny and (wild(user) or wild(cid)):
            continue
        f, _ = certacl_filter(r, user, cid)
        if f is not None and matches(f, topic):
            if r.deny:
                return False, r
            if r.access & need and allow is None:
                allow = r
    return allow is not None, allow


def classify(acl, user, cid, topic, need, v21):
    """Which README difference makes certacl deny what mosquitto allows (None: none)."""
    _, stock_rule = stock_decide(acl, user, cid, topic, need, v21)
    _, ours = certacl_decide(acl, user, cid, topic, need)
    if ours is not None and ours.deny:
        if not stock_rule.pattern:
            return "deny-wins"          # mosquitto asks the user's rules before any pattern
        f, unusable = certacl_filter(ours, user, cid)
        if unusable or any(level_kind(lv) == "inside" for lv in ours.filter.split("/")):
            return "deny-unknown-value"
        return None
    if stock_rule is None or not stock_rule.pattern:
        return None
    kinds = [level_kind(lv) for lv in stock_rule.filter.split("/")]
    if "inside" in kinds:
        return "placeholder-in-level"
    f, _ = certacl_filter(stock_rule, user, cid)
    if f is None:
        return "unsafe-value"
    return None


# ---- random files and questions ----------------------------------------------------

# Users (certificate CNs, taken as usernames) and client ids, with the characters
# mosquitto and certacl treat specially.
USERS = ["alice", "bob", "dev+1", "x#y", "a/b", "$dol", "sp ace", "pct%c"]
CLIENT_IDS = ["c1", "c2", "a+1", "h#", "cid/1", "$c", "sp ace", "%u", "alice", "c3", "c4"]
LEVELS = ["a", "b", "c", "%u", "%c", "pre-%c", "%u-%c", "+", "x y", ""]


def random_filter(rng, pattern):
    n = rng.randint(1, 3)
    levels = []
    for i in range(n):
        lv = rng.choice(LEVELS if pattern else [x for x in LEVELS if "%" not in x] + ["%u"])
        levels.append(lv)
    if rng.random() < 0.3:
        levels.append("#")
    if rng.random() < 0.15:
        levels[0] = "$x"
    f = "/".join(levels)
    return f if f else "a"


def random_acl(rng, users):
    """A random ACL file that both mosquitto versions load."""
    lines = []
    for _ in range(rng.randint(3, 9)):
        r = rng.random()
        if r < 0.2:
            lines.append("user %s" % rng.choice(users + ["nobody"]))
            continue
        kw = "pattern" if r < 0.55 else "topic"
        access = rng.choice(["read", "write", "readwrite", "deny", "deny", None])
        f = random_filter(rng, kw == "pattern")
        lines.append("%s %s" % (kw, f) if access is None and " " not in f else
                     "%s %s %s" % (kw, access or "readwrite", f))
    return "\n".join(lines) + "\n"


def topics_for(acl, clients, rng, limit):
    """Topics to ask about: each rule's filter made concrete for each client, the
    2.0 and 2.1 readings of placeholders inside a level, and a few fixed ones."""
    found = {"a", "a/b", "x", "$x/a", "$SYS/x", "$share/g/a"}
    rules = acl.anon + acl.patterns + [r for rs in acl.users.values() for r in rs]
    for r in rules:
        for user, cid in clients:
            for f in (r.filter, subst20(r.filter, user, cid)):
                t = "/".join("q" if lv == "+" else "h/i" if lv == "#" else lv for lv in f.split("/"))
                if t and "+" not in t and "#" not in t:
                    found.add(t)
                    found.add(t.rsplit("/", 1)[0])
    found = sorted(t for t in found if t)
    rng.shuffle(found)
    return sorted(found[:limit])
