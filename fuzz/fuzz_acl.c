/* certacl fuzzer: the ACL parser and decisions.
 *
 * The input is ACL text (a form feed '\f' splits it into two files). It is
 * parsed with policy_add_text; a policy that parses is finished and asked a few
 * hundred questions (READ, WRITE, SUBSCRIBE, UNSUBSCRIBE for fixed subjects with
 * usernames, client ids, certificate values and groups, some of them unsafe),
 * on fixed topics and on topics derived from the rules themselves. Every answer
 * is compared with a naive reference that scans the rule list in order and
 * matches each rule's filter (placeholders substituted) with ref_topic.h:
 *
 *   - a rule applies to the anonymous section when the client has no username,
 *     to its user section, to its groups, and patterns apply to everyone (a
 *     pattern inside a group section: to that group's members);
 *   - a placeholder whose value is unknown, unsafe (certacl_name_problem with
 *     topic_safe), or starts with '$' in the first level makes an allow rule
 *     match nothing, and stands for '+' in a deny rule (a deny never weakens);
 *     outside `pattern` lines placeholders are literal text; a rule whose
 *     filter is not UTF-8 matches nothing (allow or deny); a pattern level
 *     holding a placeholder that does not fill it acts as an unusable value;
 *   - a client whose username or client id holds '+' or '#' gets no allow
 *     from pattern lines (their denies still apply);
 *   - READ/WRITE: the earliest matching deny wins; else the earliest allow
 *     within its QoS/retain limits; else the earliest allow refused by limits;
 *   - SUBSCRIBE (after $share/G/ is stripped): denied by the earliest deny whose
 *     filter covers the whole filter; else allowed when a READ rule has a
 *     witness topic (the levels it shares with the filter, "\x01" where both
 *     are open, any number of extra levels after a '#') that no deny matches.
 */
#include "certacl/policy.h"
#include "certacl/topic.h"
#include "fuzz_util.h"
#include "ref_topic.h"

typedef struct subj {
	const char *name; /* for messages */
	certacl_subject who;
} subj;

static const char *const groups_alice[] = { "g1", "ops" };
static const char *const groups_dollar[] = { "g1", "g1", "$SYS" };

static subj subjects[] = {
	{ "anonymous", { .vars = { [CERTACL_VAR_CLIENTID] = "anon-1" } } },
	{ "alice", { .vars = {
		[CERTACL_VAR_USERNAME] = "alice", [CERTACL_VAR_CLIENTID] = "alice-1",
		[CERTACL_VAR_CN] = "alice", [CERTACL_VAR_OU] = "plant1", [CERTACL_VAR_O] = "acme",
		[CERTACL_VAR_SERIAL] = "0a1b", [CERTACL_VAR_SAN_DNS] = "alice.example",
		[CERTACL_VAR_SAN_EMAIL] = "alice@example.com", [CERTACL_VAR_SAN_URI] = "urn:alice" },
		.groups = groups_alice, .ngroups = 2 } },
	/* unsafe values: each rule that substitutes them must grant nothing */
	{ "bob-unsafe", { .vars = {
		[CERTACL_VAR_USERNAME] = "bob", [CERTACL_VAR_CLIENTID] = "bob/1",
		[CERTACL_VAR_CN] = "+", [CERTACL_VAR_OU] = "", [CERTACL_VAR_O] = "#",
		[CERTACL_VAR_SAN_DNS] = "a\x01" "b", [CERTACL_VAR_SAN_EMAIL] = "\xc2\x85",
		[CERTACL_VAR_SAN_URI] = "\xff" } } },
	{ "dollar", { .vars = {
		[CERTACL_VAR_USERNAME] = "$SYS", [CERTACL_VAR_CLIENTID] = "$c",
		[CERTACL_VAR_CN] = "%u", [CERTACL_VAR_OU] = "g1", [CERTACL_VAR_O] = "$SYS" },
		.groups = groups_dollar, .ngroups = 3 } },
	/* empty username: the anonymous section */
	{ "empty-user", { .vars = { [CERTACL_VAR_USERNAME] = "", [CERTACL_VAR_CLIENTID] = "e" } } },
	/* '+' in the client id: patterns may only deny (as in mosquitto) */
	{ "alice-wild-id", { .vars = { [CERTACL_VAR_USERNAME] = "alice", [CERTACL_VAR_CLIENTID] = "a+1" },
		.groups = groups_alice, .ngroups = 2 } },
};
#define NSUBJ (sizeof(subjects) / sizeof(subjects[0]))

static const char *const fixed_topics[] = {
	"a", "a/b", "a/b/c", "/", "a//b", "//", "a/", "/a",
	"$SYS", "$SYS/broker/load", "$SYS/#", "$share/g/a/#", "$share/g/+", "$share/g/",
	"$share", "$share/x", "$sharex/a",
	"STATE/h1", "spBv1.0/G1/NDATA/E1", "spBv1.0/G1/DCMD/E1/d1", "spBv1.0/#",
	"alice", "alice/x", "x/alice-1", "acme/plant1/alice", "%u", "%c/x", "%{cn}",
	"#", "+", "+/+", "a/#", "a/+", "+/b", "bob", "$c", "g1/x",
	"/#", "/+", "//#", "+/#", "+/+/#", "$SYS/+", "+/$SYS",
};
#define NFIXED (sizeof(fixed_topics) / sizeof(fixed_topics[0]))

/* ---- reference ------------------------------------------------------------ */

static bool in_groups(const certacl_subject *who, const char *name)
{
	for(size_t g = 0; g < who->ngroups; g++){
		if(strcmp(who->groups[g], name) == 0) return true;
	}
	return false;
}

static bool section_applies(const certacl_rule *r, const certacl_subject *who)
{
	const char *user = who->vars[CERTACL_VAR_USERNAME];
	bool anon = !user || !user[0];
	switch(r->section){
	case CERTACL_SECTION_ANON: return anon;
	case CERTACL_SECTION_USER: return !anon && r->section_name && strcmp(r->section_name, user) == 0;
	case CERTACL_SECTION_GROUP: return r->section_name && in_groups(who, r->section_name);
	case CERTACL_SECTION_PATTERN: return !r->section_name || in_groups(who, r->section_name);
	}
	FUZZ_FAIL("rule %s has section %u", fz_show(r->text), r->section);
}

static const char *const var_text[CERTACL_VAR_COUNT] = {
	"%u", "%c", "%{cn}", "%{ou}", "%{o}", "%{serial}", "%{san.dns}", "%{san.email}", "%{san.uri}",
};

/* The rule's filter with placeholders replaced (pattern lines only), in a new
 * heap string; NULL when a placeholder makes the rule match nothing (an allow
 * with an unusable value; in a deny that level becomes '+'). */
/* A '%' followed by u, c or '{' somewhere in a level that is no placeholder. */
static bool placeholder_inside(const char *lv, size_t len)
{
	for(size_t i = 0; i + 1 < len; i++){
		if(lv[i] == '%' && (lv[i+1] == 'u' || lv[i+1] == 'c' || lv[i+1] == '{')) return true;
	}
	return false;
}

static char *effective_filter(const certacl_rule *r, const certacl_subject *who)
{
	size_t flen = strlen(r->filter);
	if(!ref_utf8_valid(r->filter, flen)) return NULL; /* matches no topic (loads, as in mosquitto) */
	if(r->section != CERTACL_SECTION_PATTERN) return fz_strndup((const uint8_t *)r->filter, flen);
	rlevels L;
	rl_split(&L, r->filter, flen);
	size_t cap = flen + 1;
	for(size_t i = 0; i < L.n; i++) cap += 512;
	char *out = malloc(cap);
	size_t o = 0;
	if(!out) abort();
	for(size_t i = 0; i < L.n; i++){
		if(i) out[o++] = '/';
		int var = -1;
		for(int v = 0; v < CERTACL_VAR_COUNT; v++) if(lv_is(&L, i, var_text[v])) var = v;
		if(var < 0 && !placeholder_inside(L.p[i], L.len[i])){
			memcpy(out + o, L.p[i], L.len[i]);
			o += L.len[i];
			continue;
		}
		const char *val = var < 0 ? NULL : who->vars[var];
		size_t vl = val ? strlen(val) : 0;
		if(!val || certacl_name_problem(val, vl, true) || (i == 0 && val[0] == '$')){
			if(r->deny){
				out[o++] = '+';
				continue;
			}
			free(out);
			rl_free(&L);
			return NULL;
		}
		memcpy(out + o, val, vl);
		o += vl;
	}
	out[o] = '\0';
	rl_free(&L);
	return out;
}

static bool limits_ok(const certacl_rule *r, int qos, bool retain)
{
	if(qos > r->max_qos) return false;
	if(r->retain == CERTACL_RETAIN_NEVER && retain) return false;
	if(r->retain == CERTACL_RETAIN_ONLY && !retain) return false;
	return true;
}

/* A witness topic for SUBSCRIBE: the levels that filter t and rule filter f
 * share, "\x01" where both leave a level open, plus k more "\x01" levels where
 * one of them ends in '#'; NULL when no topic of that shape matches both. */
static char *ref_witness(const char *t, const char *f, size_t k)
{
	rlevels T, F;
	rl_split(&T, t, strlen(t));
	rl_split(&F, f, strlen(f));
	size_t cap = strlen(t) + strlen(f) + 2 * k + 8, o = 0, i = 0, j = 0, nl = 0;
	char *w = malloc(cap);
	bool ok = w != NULL, tail = false;
	if(!w) abort();
	for(; ok; ){
		bool th = i < T.n && lv_is(&T, i, "#"), fh = j < F.n && lv_is(&F, j, "#");
		if((th && fh) || (th && j == F.n) || (fh && i == T.n) || (i == T.n && j == F.n)){
			tail = th && fh;
			break;
		}
		if(i == T.n || j == F.n){ ok = false; break; }
		const char *lv = "\x01";
		size_t ll = 1;
		if(!th && !lv_is(&T, i, "+")){ lv = T.p[i]; ll = T.len[i]; }
		else if(!fh && !lv_is(&F, j, "+")){ lv = F.p[j]; ll = F.len[j]; }
		if(!th && !fh && !lv_wild(&T, i) && !lv_wild(&F, j) && !lv_eq(&T, i, &F, j)) ok = false;
		if(nl++) w[o++] = '/';
		memcpy(w + o, lv, ll);
		o += ll;
		if(!th) i++;
		if(!fh) j++;
	}
	for(size_t n = 0; ok && n < k; n++){
		if(!tail){ ok = false; break; }
		if(nl++) w[o++] = '/';
		w[o++] = '\x01';
	}
	w[o] = '\0';
	rl_free(&T);
	rl_free(&F);
	if(ok && ref_name_valid(w, o) && ref_match_s(t, w) && ref_match_s(f, w)) return w;
	free(w);
	return NULL;
}

/* The earliest applicable deny rule that matches topic w, or NULL. */
static const certacl_rule *ref_deny_of(const certacl_policy *p, const certacl_subject *who,
		const char *w)
{
	for(size_t i = 0; i < policy_rule_count(p); i++){
		const certacl_rule *r = policy_rule_at(p, i);
		if(!r->deny || !section_applies(r, who)) continue;
		char *f = effective_filter(r, who);
		bool m = f && ref_match_s(f, w);
		free(f);
		if(m) return r;
	}
	return NULL;
}

/* SUBSCRIBE of filter t: denied by a deny covering it; else allowed by a
 * readable rule with a witness topic no deny denies; else denied by a deny
 * (some readable rule overlapped); else no rule. */
static void ref_subscribe(const certacl_policy *p, const certacl_subject *who, const char *t,
		bool wild, certacl_decision *out)
{
	size_t depth = 0;
	for(size_t i = 0; i < policy_rule_count(p); i++){
		rlevels L;
		const char *f = policy_rule_at(p, i)->filter;
		rl_split(&L, f, strlen(f));
		if(L.n > depth) depth = L.n;
		rl_free(&L);
	}
	const certacl_rule *cover = NULL, *deny = NULL;
	for(size_t i = 0; i < policy_rule_count(p) && !cover; i++){
		const certacl_rule *r = policy_rule_at(p, i);
		if(!r->deny || !section_applies(r, who)) continue;
		char *f = effective_filter(r, who);
		if(f && ref_covers_s(f, t)) cover = r;
		free(f);
	}
	if(cover){
		*out = (certacl_decision){ false, CERTACL_DENIED_BY_RULE, cover };
		return;
	}
	for(size_t i = 0; i < policy_rule_count(p); i++){
		const certacl_rule *r = policy_rule_at(p, i);
		if(r->deny || !(r->perms & CERTACL_READ) || !section_applies(r, who)) continue;
		if(wild && r->section == CERTACL_SECTION_PATTERN) continue;
		char *f = effective_filter(r, who);
		for(size_t k = 0; f && k <= depth + 1; k++){
			char *w = ref_witness(t, f, k);
			if(!w) continue;
			const certacl_rule *d = ref_deny_of(p, who, w);
			free(w);
			if(!d){
				free(f);
				*out = (certacl_decision){ true, CERTACL_ALLOWED_BY_RULE, r };
				return;
			}
			if(!deny) deny = d;
		}
		free(f);
	}
	if(deny) *out = (certacl_decision){ false, CERTACL_DENIED_BY_RULE, deny };
	else *out = (certacl_decision){ false, CERTACL_DENIED_NO_RULE, NULL };
}

static void ref_decide(const certacl_policy *p, const certacl_subject *who,
		const certacl_request *req, certacl_decision *out)
{
	*out = (certacl_decision){ false, CERTACL_DENIED_BAD_TOPIC, NULL };
	bool is_filter = req->access == CERTACL_SUBSCRIBE || req->access == CERTACL_UNSUBSCRIBE;
	const char *t = req->topic;
	if(is_filter ? !ref_filter_valid(t, req->topic_len) : !ref_name_valid(t, req->topic_len)) return;
	if(is_filter){
		const char *g;
		size_t gl;
		t = ref_strip_share(t, &g, &gl);
		if(!t) return;
		if(req->access == CERTACL_UNSUBSCRIBE){
			*out = (certacl_decision){ true, CERTACL_ALLOWED_UNSUBSCRIBE, NULL };
			return;
		}
	}else if(strncmp(t, "$share/", 7) == 0 || strcmp(t, "$share") == 0){
		*out = (certacl_decision){ false, CERTACL_DENIED_SHARE, NULL };
		return;
	}
	const certacl_rule *deny = NULL, *allow = NULL, *limited = NULL;
	unsigned need = req->access == CERTACL_WRITE ? CERTACL_WRITE : CERTACL_READ;
	bool wild = false;
	for(int v = CERTACL_VAR_USERNAME; v <= CERTACL_VAR_CLIENTID; v++){
		if(who->vars[v] && (strchr(who->vars[v], '+') || strchr(who->vars[v], '#'))) wild = true;
	}
	if(req->access == CERTACL_SUBSCRIBE){
		ref_subscribe(p, who, t, wild, out);
		return;
	}
	for(size_t i = 0; i < policy_rule_count(p); i++){
		const certacl_rule *r = policy_rule_at(p, i);
		if(!section_applies(r, who)) continue;
		if(wild && r->section == CERTACL_SECTION_PATTERN && !r->deny) continue;
		char *f = effective_filter(r, who);
		if(!f) continue;
		if(ref_match_s(f, t)){
			if(r->deny){ if(!deny) deny = r; }
			else if(r->perms & need){
				if(limits_ok(r, req->qos, req->retain)){ if(!allow) allow = r; }
				else if(!limited) limited = r;
			}
		}
		free(f);
	}
	if(deny) *out = (certacl_decision){ false, CERTACL_DENIED_BY_RULE, deny };
	else if(allow) *out = (certacl_decision){ true, CERTACL_ALLOWED_BY_RULE, allow };
	else if(limited) *out = (certacl_decision){ false, CERTACL_DENIED_LIMIT, limited };
	else *out = (certacl_decision){ false, CERTACL_DENIED_NO_RULE, NULL };
}

/* Is rule r a valid witness for allowing SUBSCRIBE to filter t? */
static bool subscribe_witness(const certacl_rule *r, const certacl_subject *who, const char *t)
{
	if(r->deny || !(r->perms & CERTACL_READ) || !section_applies(r, who)) return false;
	char *f = effective_filter(r, who);
	bool ok = f && ref_overlaps_s(f, t);
	free(f);
	return ok;
}

/* ---- driver --------------------------------------------------------------- */

static unsigned nreq;

static void ask(const certacl_policy *p, const subj *s, certacl_access access, const char *topic)
{
	certacl_request req = {
		.access = access, .topic = topic, .topic_len = strlen(topic),
		.qos = (int)(nreq % 3), .retain = (nreq / 3) % 2,
	};
	certacl_decision got, want;
	nreq++;
	acl_decide(p, &s->who, &req, &got);
	ref_decide(p, &s->who, &req, &want);

	const char *an = certacl_access_name(access);

	if(got.rule){
		size_t n = policy_rule_count(p);
		FUZZ_CHECK(n > 0 && got.rule >= policy_rule_at(p, 0) && got.rule <= policy_rule_at(p, n - 1),
				"acl_decide returned a rule outside the policy");
	}
	/* past its budget of witness topics certacl refuses: fail-closed, not checked */
	if(got.reason == CERTACL_DENIED_TOO_COMPLEX && access == CERTACL_SUBSCRIBE) return;
	FUZZ_CHECK(got.allowed == want.allowed && got.reason == want.reason,
			"acl_decide(%s, %s %s qos %d retain %d) = %s (%s, rule %s), expected %s (%s, rule %s)",
			s->name, an, fz_show(topic), req.qos, req.retain,
			got.allowed ? "allow" : "deny", certacl_reason_text(got.reason),
			got.rule ? fz_show(got.rule->text) : "-",
			want.allowed ? "allow" : "deny", certacl_reason_text(want.reason),
			want.rule ? fz_show(want.rule->text) : "-");
	if(access == CERTACL_SUBSCRIBE && got.allowed){
		/* Any READ rule that overlaps is a fine witness. */
		const char *g;
		size_t gl;
		const char *t = ref_strip_share(topic, &g, &gl);
		FUZZ_CHECK(got.rule && subscribe_witness(got.rule, &s->who, t),
				"acl_decide(%s, subscribe %s) allowed by rule %s, which does not grant READ on an "
				"overlapping filter", s->name, fz_show(topic), got.rule ? fz_show(got.rule->text) : "-");
	}else if(access == CERTACL_SUBSCRIBE && got.reason == CERTACL_DENIED_BY_RULE){
		/* which deny is named depends on the order the witnesses are tried */
		FUZZ_CHECK(got.rule && got.rule->deny, "acl_decide(%s, subscribe %s) denied by %s, "
				"which is no deny rule", s->name, fz_show(topic), got.rule ? fz_show(got.rule->text) : "-");
	}else{
		FUZZ_CHECK(got.rule == want.rule,
				"acl_decide(%s, %s %s) decided by rule %s (line %u), expected %s (line %u)",
				s->name, an, fz_show(topic), got.rule ? fz_show(got.rule->text) : "-",
				got.rule ? got.rule->line : 0, want.rule ? fz_show(want.rule->text) : "-",
				want.rule ? want.rule->line : 0);
	}
}

/* Topics derived from a rule's filter for subject s: the filter with its
 * placeholders substituted (a filter), and a topic that it matches. */
static void derived(const certacl_rule *r, const subj *s, char *filter, char *topic, size_t cap)
{
	rlevels L;
	size_t fo = 0, to = 0;
	rl_split(&L, r->filter, strlen(r->filter));
	for(size_t i = 0; i < L.n; i++){
		const char *lv = L.p[i];
		size_t ll = L.len[i];
		for(int v = 0; v < CERTACL_VAR_COUNT; v++){
			if(lv_is(&L, i, var_text[v]) && s->who.vars[v] && strlen(s->who.vars[v]) < 300){
				lv = s->who.vars[v];
				ll = strlen(lv);
			}
		}
		if(fo + ll + 2 >= cap || to + ll + 8 >= cap) break;
		if(i){ filter[fo++] = '/'; topic[to++] = '/'; }
		memcpy(filter + fo, lv, ll);
		fo += ll;
		if(ll == 1 && lv[0] == '+'){ memcpy(topic + to, "x", 1); to += 1; }
		else if(ll == 1 && lv[0] == '#'){ memcpy(topic + to, "y/z", 3); to += 3; }
		else{ memcpy(topic + to, lv, ll); to += ll; }
	}
	filter[fo] = '\0';
	topic[to] = '\0';
	rl_free(&L);
}

static void check_rules(const certacl_policy *p)
{
	for(size_t i = 0; i < policy_rule_count(p); i++){
		const certacl_rule *r = policy_rule_at(p, i);
		FUZZ_CHECK(r && r->file && r->text && r->filter && r->line >= 1, "rule %zu incomplete", i);
		FUZZ_CHECK(r->seq == i, "rule %zu has seq %u", i, r->seq);
		FUZZ_CHECK(topic_acl_filter_problem(r->filter, strlen(r->filter)) == NULL,
				"rule %s has invalid filter %s", fz_show(r->text), fz_show(r->filter));
		FUZZ_CHECK(r->deny ? r->perms == 0 : (r->perms & (CERTACL_READ | CERTACL_WRITE)) != 0,
				"rule %s: deny %d perms %u", fz_show(r->text), r->deny, r->perms);
		FUZZ_CHECK(r->max_qos <= 2, "rule %s: max_qos %u", fz_show(r->text), r->max_qos);
		if(r->section == CERTACL_SECTION_USER){
			FUZZ_CHECK(r->section_name && policy_has_user(p, r->section_name),
					"rule %s: user section %s unknown", fz_show(r->text), fz_show(r->section_name));
		}
		if(r->section == CERTACL_SECTION_GROUP
				|| (r->section == CERTACL_SECTION_PATTERN && r->section_name)){
			FUZZ_CHECK(r->section_name && policy_has_group(p, r->section_name),
					"rule %s: group section %s unknown", fz_show(r->text), fz_show(r->section_name));
		}
	}
	FUZZ_CHECK(policy_rule_at(p, policy_rule_count(p)) == NULL, "policy_rule_at past the end");
	FUZZ_CHECK(policy_memory(p) > 0, "policy_memory is 0");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	certacl_error err;
	memset(&err, 0, sizeof(err));
	certacl_policy *p = policy_new();
	if(!p) return 0;

	const char *text = (const char *)data;
	const uint8_t *ff = memchr(data, '\f', size);
	bool ok;
	if(ff){
		size_t n1 = (size_t)(ff - data);
		ok = policy_add_text(p, "one.acl", text, n1, &err)
			&& policy_add_text(p, "two.acl", text + n1 + 1, size - n1 - 1, &err);
	}else{
		ok = policy_add_text(p, "fuzz.acl", text, size, &err);
	}
	if(!ok){
		FUZZ_CHECK(memchr(err.text, '\0', sizeof(err.text)) && err.text[0] != '\0',
				"policy_add_text failed without an error text");
		FUZZ_CHECK(strncmp(err.text, "one.acl:", 8) == 0 || strncmp(err.text, "two.acl:", 8) == 0
				|| strncmp(err.text, "fuzz.acl:", 9) == 0,
				"error text %s does not start with the file name", fz_show(err.text));
		policy_free(p);
		return 0;
	}
	FUZZ_CHECK(policy_finish(p, &err), "policy_finish failed: %s", err.text);
	check_rules(p);

	static const certacl_access accesses[] = {
		CERTACL_READ, CERTACL_WRITE, CERTACL_SUBSCRIBE, CERTACL_UNSUBSCRIBE,
	};
	nreq = 0;
	for(size_t si = 0; si < NSUBJ; si++){
		const subj *s = &subjects[si];
		for(size_t t = 0; t < NFIXED; t++){
			for(size_t a = 0; a < 4; a++) ask(p, s, accesses[a], fixed_topics[t]);
		}
		/* Topics and filters derived from the first rules. */
		size_t nr = policy_rule_count(p);
		for(size_t i = 0; i < nr && i < 12; i++){
			char filter[2048], topic[2048];
			derived(policy_rule_at(p, i), s, filter, topic, sizeof(filter));
			ask(p, s, CERTACL_SUBSCRIBE, filter);
			ask(p, s, CERTACL_READ, topic);
			ask(p, s, CERTACL_WRITE, topic);
			ask(p, s, CERTACL_SUBSCRIBE, topic);
			ask(p, s, CERTACL_READ, policy_rule_at(p, i)->filter);
		}
	}
	policy_free(p);
	return 0;
}
