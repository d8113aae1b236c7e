/* Unit tests of plugin/core/config.c: plugin_opt_* options, the JSON config,
 * and snapshots built from files (never half-loaded). */
#include <stdio.h>

#include <openssl/pem.h>

#include "certacl/config.h"
#include "unit_util.h"

static int teardown_key(void **state)
{
	(void)state;
	tu_key_free();
	return 0;
}

static void set_ok(certacl_options *o, const char *key, const char *value)
{
	certacl_error err;
	if(!options_set(o, key, value, "mosquitto.conf", &err)){
		print_error("options_set(%s, %s): %s\n", key, value ? value : "(null)", err.text);
		fail();
	}
}

/* options_set must fail with "mosquitto.conf: ..." naming the key (and `what`). */
static void set_bad(certacl_options *o, const char *key, const char *value, const char *what)
{
	certacl_error err;
	memset(&err, 0, sizeof(err));
	if(options_set(o, key, value, "mosquitto.conf", &err)){
		print_error("options_set(%s, %s) accepted\n", key, value ? value : "(null)");
		fail();
	}
	if(strncmp(err.text, "mosquitto.conf: ", 16) != 0){
		print_error("error '%s' does not start with 'mosquitto.conf: '\n", err.text);
		fail();
	}
	assert_contains(err.text, key);
	if(what) assert_contains(err.text, what);
}

static void test_defaults(void **state)
{
	(void)state;
	certacl_options o;
	memset(&o, 0x5A, sizeof(o));
	options_init(&o);
	assert_int_equal(o.nacl_files, 0);
	assert_int_equal(o.identity.field, CERTACL_ID_CN);
	assert_int_equal(o.identity.san_index, 0);
	assert_null(o.identity_map);
	assert_int_equal(o.unmapped, CERTACL_UNMAPPED_ALLOW);
	assert_int_equal(o.no_cert, CERTACL_NOCERT_DENY);
	assert_int_equal(o.clientid, CERTACL_CLIENTID_OWNED);
	assert_int_equal(o.expired, CERTACL_EXPIRED_DISCONNECT);
	assert_int_equal(o.expiry_warn_days, 30);
	assert_null(o.deny_list);
	assert_null(o.config);
	assert_null(o.ca_file);
	assert_int_equal(o.nissuers, 0);
	assert_false(o.groups_from_ou);
	assert_false(o.groups_from_o);
	assert_false(o.log_allowed);
	assert_null(o.inline_map);
	assert_int_equal(o.set_mask, 0);
	certacl_error err;
	assert_false(options_finish(&o, &err)); /* no ACL file */
	assert_contains(err.text, "no ACL file");
	options_free(&o);
}

static void test_every_key(void **state)
{
	(void)state;
	certacl_options o;
	options_init(&o);
	set_ok(&o, "acl_file", "/etc/a.acl");
	set_ok(&o, "identity", "san-uri:2");
	set_ok(&o, "identity_map", "/etc/map");
	set_ok(&o, "unmapped", "deny");
	set_ok(&o, "no_cert", "defer");
	set_ok(&o, "clientid", "prefix");
	set_ok(&o, "deny_list", "/etc/deny");
	set_ok(&o, "ca_file", "/etc/ca.pem");
	set_ok(&o, "issuer", "CN=Plant CA");
	set_ok(&o, "issuer", "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
	set_ok(&o, "groups_from", "ou,o");
	set_ok(&o, "log_allowed", "true");
	set_ok(&o, "stats_interval", "0");
	set_ok(&o, "log_per_client", "1000000");
	set_ok(&o, "expired", "log");
	set_ok(&o, "expiry_warn_days", "0");
	set_ok(&o, "config", "/etc/certacl.json");
	assert_int_equal(o.nacl_files, 1);
	assert_string_equal(o.acl_files[0], "/etc/a.acl");
	assert_int_equal(o.identity.field, CERTACL_ID_SAN_URI);
	assert_int_equal(o.identity.san_index, 1);
	assert_string_equal(o.identity_map, "/etc/map");
	assert_int_equal(o.unmapped, CERTACL_UNMAPPED_DENY);
	assert_int_equal(o.no_cert, CERTACL_NOCERT_DEFER);
	assert_int_equal(o.clientid, CERTACL_CLIENTID_PREFIX);
	assert_string_equal(o.deny_list, "/etc/deny");
	assert_string_equal(o.ca_file, "/etc/ca.pem");
	assert_int_equal(o.nissuers, 2);
	assert_string_equal(o.issuers[0], "CN=Plant CA");
	assert_true(o.groups_from_ou);
	assert_true(o.groups_from_o);
	assert_true(o.log_allowed);
	assert_int_equal(o.stats_interval, 0);
	assert_int_equal(o.log_per_client, 1000000);
	assert_int_equal(o.expired, CERTACL_EXPIRED_LOG);
	assert_int_equal(o.expiry_warn_days, 0);
	assert_string_equal(o.config, "/etc/certacl.json");

	/* each single-valued key may be given once */
	static const char *const once[][2] = {
		{ "identity", "cn" }, { "identity_map", "/x" }, { "unmapped", "allow" },
		{ "no_cert", "deny" }, { "clientid", "any" }, { "deny_list", "/x" },
		{ "ca_file", "/x" }, { "groups_from", "none" }, { "log_allowed", "false" },
		{ "stats_interval", "5" }, { "log_per_client", "5" }, { "config", "/x" },
		{ "expired", "disconnect" }, { "expiry_warn_days", "7" },
	};
	for(size_t i = 0; i < sizeof(once) / sizeof(once[0]); i++){
		set_bad(&o, once[i][0], once[i][1], "more than once");
	}
	/* the values did not change */
	assert_int_equal(o.identity.field, CERTACL_ID_SAN_URI);
	assert_int_equal(o.clientid, CERTACL_CLIENTID_PREFIX);
	options_free(&o);
	assert_int_equal(o.nacl_files, 0);
	assert_null(o.acl_files);
	options_free(&o); /* twice is harmless */
}

static void test_enumerations(void **state)
{
	(void)state;
	static const struct { const char *v; certacl_clientid c; } ids[] = {
		{ "owned", CERTACL_CLIENTID_OWNED }, { "equal", CERTACL_CLIENTID_EQUAL },
		{ "prefix", CERTACL_CLIENTID_PREFIX }, { "any", CERTACL_CLIENTID_ANY },
	};
	for(size_t i = 0; i < 4; i++){
		certacl_options o;
		options_init(&o);
		if(i == 0) o.clientid = CERTACL_CLIENTID_ANY; /* so that "owned" shows */
		set_ok(&o, "clientid", ids[i].v);
		assert_int_equal(o.clientid, ids[i].c);
		options_free(&o);
	}
	static const struct { const char *v; bool ou, org; } gf[] = {
		{ "none", false, false }, { "ou", true, false }, { "o", false, true },
		{ "ou,o", true, true }, { "o,ou", true, true },
	};
	for(size_t i = 0; i < sizeof(gf) / sizeof(gf[0]); i++){
		certacl_options o;
		options_init(&o);
		set_ok(&o, "groups_from", gf[i].v);
		assert_int_equal(o.groups_from_ou, gf[i].ou);
		assert_int_equal(o.groups_from_o, gf[i].org);
		options_free(&o);
	}
	static const char *const fields[] = { "cn", "dn", "san-dns", "san-email", "san-uri", "serial",
		"sha256", "san-dns:3" };
	for(size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++){
		certacl_options o;
		options_init(&o);
		set_ok(&o, "identity", fields[i]);
		certacl_id_spec want;
		assert_true(id_spec_parse(fields[i], &want));
		assert_int_equal(o.identity.field, want.field);
		assert_int_equal(o.identity.san_index, want.san_index);
		options_free(&o);
	}
	certacl_options o;
	options_init(&o);
	set_ok(&o, "unmapped", "allow");
	set_ok(&o, "no_cert", "deny");
	set_ok(&o, "log_allowed", "false");
	set_ok(&o, "stats_interval", "86400");
	assert_int_equal(o.unmapped, CERTACL_UNMAPPED_ALLOW);
	assert_int_equal(o.no_cert, CERTACL_NOCERT_DENY);
	assert_false(o.log_allowed);
	assert_int_equal(o.stats_interval, 86400);
	options_free(&o);
}

static void test_bad_values(void **state)
{
	(void)state;
	static const struct { const char *key, *value, *what; } cases[] = {
		{ "identity", "CN", "unknown field 'CN'" },
		{ "identity", "subject", NULL },
		{ "identity", "san-dns:0", NULL },
		{ "identity", "", NULL },
		{ "identity_map", "", "empty" },
		{ "unmapped", "maybe", "'maybe'" },
		{ "unmapped", "", NULL },
		{ "unmapped", "Deny", NULL },
		{ "no_cert", "allow", "'allow'" },
		{ "clientid", "owner", "'owner'" },
		{ "clientid", "", NULL },
		{ "deny_list", "", "empty" },
		{ "ca_file", "", "empty" },
		{ "config", "", "empty" },
		{ "groups_from", "cn", "'cn'" },
		{ "groups_from", "ou, o", NULL },
		{ "log_allowed", "yes", "'yes'" },
		{ "log_allowed", "1", NULL },
		{ "stats_interval", "-1", "whole number" },
		{ "stats_interval", "86401", "whole number" },
		{ "stats_interval", "10s", "whole number" },
		{ "stats_interval", "", "whole number" },
		{ "stats_interval", "99999999999999999999999", "whole number" },
		{ "log_per_client", "1000001", "whole number" },
		{ "log_per_client", "x", "whole number" },
		{ "expired", "kick", "'kick'" },
		{ "expired", "", NULL },
		{ "expiry_warn_days", "3651", "whole number" },
		{ "expiry_warn_days", "-1", "whole number" },
		{ "acl_file", "", "empty path" },
		{ "acl_file", "a,,b", "empty path" },
		{ "acl_file", "a,", "empty path" },
		{ "acl_file", " , ", "empty path" },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		certacl_options o;
		options_init(&o);
		set_bad(&o, cases[i].key, cases[i].value, cases[i].what);
		options_free(&o);
	}
	/* issuer: the error says what is wrong with the pin */
	certacl_options o;
	options_init(&o);
	set_bad(&o, "issuer", "Plant CA", "issuer");
	set_bad(&o, "issuer", "sha256:00", "64 hex digits");
	set_bad(&o, "issuer", "", "issuer");
	assert_int_equal(o.nissuers, 0);
	/* NULL value counts as empty */
	set_bad(&o, "unmapped", NULL, NULL);
	set_bad(&o, "identity_map", NULL, "empty");
	/* unknown keys, including the prefix itself and wrong case */
	set_bad(&o, "bogus", "x", "unknown option 'bogus'");
	set_bad(&o, "plugin_opt_acl_file", "x", "unknown option");
	set_bad(&o, "ACL_FILE", "x", "unknown option");
	set_bad(&o, "", "x", "unknown option");
	options_free(&o);
}

static void test_acl_file_lists(void **state)
{
	(void)state;
	certacl_options o;
	options_init(&o);
	set_ok(&o, "acl_file", "a.acl");
	set_ok(&o, "acl_file", " b.acl ,\tc d.acl\t, e.acl ");
	set_ok(&o, "acl_file", "a.acl"); /* the same file twice is kept twice */
	static const char *const want[] = { "a.acl", "b.acl", "c d.acl", "e.acl", "a.acl" };
	assert_int_equal(o.nacl_files, 5);
	for(size_t i = 0; i < 5; i++) assert_string_equal(o.acl_files[i], want[i]);
	certacl_error err;
	assert_true(options_finish(&o, &err));
	options_free(&o);
}

/* The owners of offline persistent sessions: bounds (defaults 100000 and
 * 1000) and the file, which only "clientid owned" may name. */
static void test_session_owner_options(void **state)
{
	(void)state;
	certacl_options o;
	certacl_error err;
	options_init(&o);
	assert_int_equal(o.session_owners_max, 100000);
	assert_int_equal(o.session_owners_per_user, 1000);
	assert_null(o.session_owners_file);
	set_ok(&o, "acl_file", "a.acl");
	set_ok(&o, "session_owners_max", "0");
	set_ok(&o, "session_owners_per_user", "100000000");
	set_ok(&o, "session_owners_file", "/var/lib/mosquitto/certacl-owners");
	set_bad(&o, "session_owners_max", "5", "more than once");
	set_bad(&o, "session_owners_file", "/x", "more than once");
	assert_int_equal(o.session_owners_max, 0);
	assert_int_equal(o.session_owners_per_user, 100000000);
	assert_string_equal(o.session_owners_file, "/var/lib/mosquitto/certacl-owners");
	assert_true(options_finish(&o, &err));
	set_ok(&o, "clientid", "equal"); /* ids bound by name: nothing to own */
	assert_false(options_finish(&o, &err));
	assert_non_null(strstr(err.text, "session_owners_file needs plugin_opt_clientid owned"));
	options_free(&o);
	options_init(&o);
	set_bad(&o, "session_owners_max", "100000001", "whole number");
	set_bad(&o, "session_owners_per_user", "-1", "whole number");
	set_bad(&o, "session_owners_file", "", "empty value");
	options_free(&o);
}

static void test_crl_options(void **state)
{
	(void)state;
	certacl_options o;
	certacl_error err;
	options_init(&o);
	assert_int_equal(o.crl_stale, CERTACL_CRL_STALE_WARN);
	set_ok(&o, "acl_file", "a.acl");
	set_ok(&o, "crl_file", "/etc/one.crl");
	set_ok(&o, "crl_file", "/etc/two, three.crl"); /* one path, commas and all */
	set_ok(&o, "crl_stale", "deny");
	set_bad(&o, "crl_stale", "warn", "more than once");
	set_bad(&o, "crl_file", "", "empty value");
	assert_int_equal(o.ncrl_files, 2);
	assert_string_equal(o.crl_files[1], "/etc/two, three.crl");
	assert_int_equal(o.crl_stale, CERTACL_CRL_STALE_DENY);
	assert_false(options_finish(&o, &err)); /* CRLs without the CAs that sign them */
	assert_non_null(strstr(err.text, "plugin_opt_crl_file needs plugin_opt_ca_file"));
	set_ok(&o, "ca_file", "/etc/ca.pem");
	assert_true(options_finish(&o, &err));
	options_free(&o);
	options_init(&o);
	set_bad(&o, "crl_stale", "ignore", "'ignore'");
	options_free(&o);
}

/* ---- JSON ---- */

static bool json(certacl_options *o, const char *text, certacl_error *err)
{
	memset(err, 0, sizeof(*err));
	return options_apply_json(o, "/etc/certacl.json", text, err);
}

static void test_json_valid(void **state)
{
	(void)state;
	certacl_options o;
	options_init(&o);
	certacl_error err;
	bool ok = json(&o,
		"{\n"
		"  \"acl_file\": \"a.acl, b.acl\",\n"
		"  \"identity\": \"san-dns:2\",\n"
		"  \"identity_map\": \"/etc/map\",\n"
		"  \"unmapped\": \"deny\",\n"
		"  \"no_cert\": \"defer\",\n"
		"  \"clientid\": \"equal\",\n"
		"  \"deny_list\": \"/etc/deny\",\n"
		"  \"issuer\": [\"CN=A\", \"CN=B\"],\n"
		"  \"groups_from\": \"ou\",\n"
		"  \"log_allowed\": \"true\",\n"
		"  \"stats_interval\": \"30\",\n"
		"  \"log_per_client\": \"3\"\n"
		"}\n", &err);
	if(!ok){
		print_error("%s\n", err.text);
		fail();
	}
	assert_int_equal(o.nacl_files, 2);
	assert_string_equal(o.acl_files[1], "b.acl");
	assert_int_equal(o.identity.field, CERTACL_ID_SAN_DNS);
	assert_int_equal(o.identity.san_index, 1);
	assert_string_equal(o.identity_map, "/etc/map");
	assert_int_equal(o.unmapped, CERTACL_UNMAPPED_DENY);
	assert_int_equal(o.no_cert, CERTACL_NOCERT_DEFER);
	assert_int_equal(o.clientid, CERTACL_CLIENTID_EQUAL);
	assert_string_equal(o.deny_list, "/etc/deny");
	assert_int_equal(o.nissuers, 2);
	assert_string_equal(o.issuers[1], "CN=B");
	assert_true(o.groups_from_ou);
	assert_false(o.groups_from_o);
	assert_true(o.log_allowed);
	assert_int_equal(o.stats_interval, 30);
	assert_int_equal(o.log_per_client, 3);
	options_free(&o);

	/* acl_file as an array, added to what plugin_opt lines gave */
	options_init(&o);
	set_ok(&o, "acl_file", "first.acl");
	assert_true(json(&o, "{\"acl_file\": [\"x.acl\", \"y.acl\"]}", &err));
	assert_int_equal(o.nacl_files, 3);
	assert_string_equal(o.acl_files[0], "first.acl");
	assert_string_equal(o.acl_files[2], "y.acl");
	/* an empty object and an empty array change nothing */
	assert_true(json(&o, "{}", &err));
	assert_true(json(&o, "{\"acl_file\": []}", &err));
	assert_int_equal(o.nacl_files, 3);
	options_free(&o);
}

static void test_json_inline_map(void **state)
{
	(void)state;
	certacl_options o;
	options_init(&o);
	certacl_error err;
	bool ok = json(&o,
		"{\n"
		"  \"acl_file\": \"a.acl\",\n"
		"  \"identity_map\": [\n"
		"    {\"identity\": \"dev-1\", \"username\": \"alice\", \"groups\": [\"ops\", \"view\"]},\n"
		"    {\"identity\": \"dev-*\", \"issuer\": \"CN=Plant CA\"},\n"
		"    {\"identity\": \"keep\", \"username\": \"*\"}\n"
		"  ]\n"
		"}\n", &err);
	if(!ok){
		print_error("%s\n", err.text);
		fail();
	}
	assert_non_null(o.inline_map);
	assert_int_equal(idmap_count(o.inline_map), 3);
	const certacl_map_entry *e = idmap_lookup(o.inline_map, "dev-1");
	assert_string_equal(e->username, "alice");
	assert_int_equal(e->ngroups, 2);
	assert_string_equal(e->groups[1], "view");
	assert_int_equal(e->line, 4);
	e = idmap_lookup(o.inline_map, "dev-2");
	assert_null(e->username);
	assert_string_equal(e->issuer, "CN=Plant CA");
	assert_null(idmap_lookup(o.inline_map, "keep")->username);
	/* identity_map given twice (array, then a path) */
	assert_false(json(&o, "{\"identity_map\": \"/etc/map\"}", &err));
	assert_contains(err.text, "identity_map");
	options_free(&o);

	static const struct { const char *text; const char *what; } bad[] = {
		{ "{\"identity_map\": [ {\"username\": \"u\"} ]}", "entry 1" },
		{ "{\"identity_map\": [ \"dev-1 u\" ]}", "entry 1" },
		{ "{\"identity_map\": [ {\"identity\": \"a\", \"username\": \"u\"}, {\"identity\": 5} ]}", "entry 2" },
		{ "{\"identity_map\": [ {\"identity\": \"a\", \"groups\": \"g\"} ]}", "entry 1" },
		{ "{\"identity_map\": [ {\"identity\": \"a\", \"groups\": [1]} ]}", "entry 1" },
		{ "{\"identity_map\": [ {\"identity\": \"a\", \"username\": \"a/b\"} ]}", "username" },
		{ "{\"identity_map\": [ {\"identity\": \"a\", \"username\": \"u\"},\n"
		  " {\"identity\": \"a\", \"username\": \"v\"} ]}", "already mapped" },
		{ "{\"identity_map\": [ {\"identity\": \"a\", \"issuer\": \"nope\"} ]}", "issuer pin" },
	};
	for(size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++){
		options_init(&o);
		if(json(&o, bad[i].text, &err)){
			print_error("bad map %zu accepted\n", i);
			fail();
		}
		assert_contains(err.text, "/etc/certacl.json");
		assert_contains(err.text, bad[i].what);
		options_free(&o);
	}
}

static void test_json_errors(void **state)
{
	(void)state;
	static const struct { const char *text; const char *prefix; const char *what; } cases[] = {
		/* syntax errors name the line */
		{ "{\n  \"acl_file\": \"a\",\n  \"identity\": cn\n}\n", "/etc/certacl.json:3: ", "invalid JSON" },
		{ "{\n\"acl_file\": \"a\"\n\"identity\": \"cn\"\n}", "/etc/certacl.json:3: ", "invalid JSON" },
		{ "{}\n}\n", "/etc/certacl.json:2: ", "invalid JSON" },
		{ "", "/etc/certacl.json:1: ", "invalid JSON" },
		{ "{\"a\": \"unterminated}\n", "/etc/certacl.json:", "invalid JSON" },
		/* not an object */
		{ "[\"a.acl\"]", "/etc/certacl.json:1: ", "must be an object" },
		{ "\"a.acl\"", "/etc/certacl.json:1: ", "must be an object" },
		/* values that are not strings */
		{ "{\"identity\": 5}", "/etc/certacl.json: key 'identity': ", "must be a string" },
		{ "{\"unmapped\": true}", "/etc/certacl.json: key 'unmapped': ", "must be a string" },
		{ "{\"acl_file\": null}", "/etc/certacl.json: key 'acl_file': ", "must be a string" },
		{ "{\"no_cert\": {\"x\": 1}}", "/etc/certacl.json: key 'no_cert': ", "must be a string" },
		{ "{\"stats_interval\": 10}", "/etc/certacl.json: key 'stats_interval': ", "must be a string" },
		{ "{\"identity\": [\"cn\"]}", "/etc/certacl.json: key 'identity': ", "must be a string" },
		{ "{\"acl_file\": [\"a\", 1]}", "/etc/certacl.json: key 'acl_file': ", "items must be strings" },
		{ "{\"issuer\": [\"CN=a\", null]}", "/etc/certacl.json: key 'issuer': ", "items must be strings" },
		/* bad values and unknown keys, named */
		{ "{\"unmapped\": \"maybe\"}", "/etc/certacl.json: ", "unmapped" },
		{ "{\"bogus\": \"x\"}", "/etc/certacl.json: ", "unknown option 'bogus'" },
		{ "{\"config\": \"/etc/other.json\"}", "/etc/certacl.json: ", "config" },
		/* duplicate keys: set more than once */
		{ "{\"identity\": \"cn\", \"identity\": \"dn\"}", "/etc/certacl.json: ", "more than once" },
	};
	for(size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++){
		certacl_options o;
		options_init(&o);
		certacl_error err;
		if(json(&o, cases[i].text, &err)){
			print_error("JSON case %zu accepted\n", i);
			fail();
		}
		if(strncmp(err.text, cases[i].prefix, strlen(cases[i].prefix)) != 0){
			print_error("JSON case %zu: '%s' does not start with '%s'\n", i, err.text, cases[i].prefix);
			fail();
		}
		assert_contains(err.text, cases[i].what);
		options_free(&o);
	}
	/* a key set by plugin_opt and again in the JSON */
	certacl_options o;
	options_init(&o);
	set_ok(&o, "identity", "dn");
	certacl_error err;
	assert_false(json(&o, "{\"identity\": \"cn\"}", &err));
	assert_contains(err.text, "identity is set more than once");
	assert_int_equal(o.identity.field, CERTACL_ID_DN);
	options_free(&o);
}

/* ---- options_finish with a config file ---- */

static void test_finish_reads_config(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *cfg = tu_dir_write(&d, "c.json", "{\"acl_file\": \"x.acl\", \"unmapped\": \"deny\"}", (size_t)-1);
	const char *bad = tu_dir_write(&d, "bad.json", "{\n\"acl_file\": \"x.acl\",\n}", (size_t)-1);
	const char *missing = tu_dir_path(&d, "missing.json");
	certacl_options o;
	certacl_error err;

	options_init(&o);
	set_ok(&o, "config", cfg);
	assert_true(options_finish(&o, &err));
	assert_int_equal(o.nacl_files, 1);
	assert_int_equal(o.unmapped, CERTACL_UNMAPPED_DENY);
	options_free(&o);

	options_init(&o);
	set_ok(&o, "config", bad);
	assert_false(options_finish(&o, &err));
	char expect[600];
	snprintf(expect, sizeof(expect), "%s:3: invalid JSON", bad);
	assert_contains(err.text, expect);
	options_free(&o);

	options_init(&o);
	set_ok(&o, "config", missing);
	assert_false(options_finish(&o, &err));
	assert_contains(err.text, missing);
	options_free(&o);

	/* a config with no ACL file at all */
	const char *empty = tu_dir_write(&d, "empty.json", "{}", (size_t)-1);
	options_init(&o);
	set_ok(&o, "config", empty);
	assert_false(options_finish(&o, &err));
	assert_contains(err.text, "no ACL file");
	options_free(&o);
	tu_dir_remove(&d);
}

/* ---- snapshot_build ---- */

static certacl_snapshot *build(const certacl_opt_pair *opts, size_t n, certacl_error *err)
{
	memset(err, 0, sizeof(*err));
	return snapshot_build(opts, n, "mosquitto.conf", err);
}

static void test_snapshot_valid(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *acl1 = tu_dir_write(&d, "one.acl", "user alice\ntopic read a/#\n", (size_t)-1);
	const char *acl2 = tu_dir_write(&d, "two.acl", "user bob\ntopic write b/#\npattern read p/%u\n", (size_t)-1);
	const char *map = tu_dir_write(&d, "ids.map", "dev-1 alice ops\ndev-* bob\n", (size_t)-1);
	const char *deny = tu_dir_write(&d, "deny.txt", "serial 0A1B\nsha256 "
			"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\n", (size_t)-1);
	char both[1200];
	snprintf(both, sizeof(both), "%s, %s", acl1, acl2);
	certacl_opt_pair opts[] = {
		{ "acl_file", both }, { "identity_map", map }, { "deny_list", deny },
		{ "unmapped", "deny" }, { "identity", "cn" },
	};
	certacl_error err;
	certacl_snapshot *s = build(opts, 5, &err);
	if(!s){
		print_error("%s\n", err.text);
		fail();
	}
	assert_non_null(s->policy);
	assert_non_null(s->map);
	assert_non_null(s->deny);
	assert_int_equal(policy_rule_count(s->policy), 3);
	assert_string_equal(policy_rule_at(s->policy, 0)->file, acl1);
	assert_string_equal(policy_rule_at(s->policy, 2)->file, acl2);
	assert_int_equal(policy_rule_at(s->policy, 2)->line, 3);
	assert_int_equal(idmap_count(s->map), 2);
	assert_int_equal(denylist_count(s->deny), 2);
	assert_int_equal(s->opts.unmapped, CERTACL_UNMAPPED_DENY);
	assert_int_equal(s->opts.nacl_files, 2);
	assert_true(tu_decide_u(s->policy, "alice", NULL, CERTACL_READ, "a/x").allowed);
	assert_true(tu_decide_u(s->policy, "bob", NULL, CERTACL_WRITE, "b/x").allowed);
	assert_true(tu_decide_u(s->policy, "zed", NULL, CERTACL_READ, "p/zed").allowed);
	assert_false(tu_decide_u(s->policy, "alice", NULL, CERTACL_WRITE, "a/x").allowed);
	snapshot_free(s);
	snapshot_free(NULL);

	/* only an ACL file: no map, no deny list */
	certacl_opt_pair min[] = { { "acl_file", acl1 } };
	s = build(min, 1, &err);
	assert_non_null(s);
	assert_null(s->map);
	assert_null(s->deny);
	assert_null(s->cas);
	snapshot_free(s);
	tu_dir_remove(&d);
}

static void test_snapshot_json_config(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *acl = tu_dir_write(&d, "p.acl", "user alice\ntopic read a/#\n", (size_t)-1);
	char text[1200];
	snprintf(text, sizeof(text),
			"{\n \"acl_file\": [\"%s\"],\n \"identity_map\": [\n"
			"  {\"identity\": \"dev-1\", \"username\": \"alice\"}\n ],\n \"no_cert\": \"defer\"\n}\n", acl);
	const char *cfg = tu_dir_write(&d, "c.json", text, (size_t)-1);
	certacl_opt_pair opts[] = { { "config", cfg } };
	certacl_error err;
	certacl_snapshot *s = build(opts, 1, &err);
	if(!s){
		print_error("%s\n", err.text);
		fail();
	}
	assert_non_null(s->map);
	assert_null(s->opts.inline_map); /* moved into the snapshot */
	assert_string_equal(idmap_lookup(s->map, "dev-1")->username, "alice");
	assert_int_equal(s->opts.no_cert, CERTACL_NOCERT_DEFER);
	assert_int_equal(policy_rule_count(s->policy), 1);
	snapshot_free(s);

	/* a plugin_opt key repeated in the JSON: refused */
	certacl_opt_pair twice[] = { { "config", cfg }, { "no_cert", "deny" } };
	assert_null(build(twice, 2, &err));
	assert_contains(err.text, "no_cert is set more than once");
	tu_dir_remove(&d);
}

static void test_snapshot_errors(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	const char *good = tu_dir_write(&d, "good.acl", "user a\ntopic read x\n", (size_t)-1);
	const char *broken = tu_dir_write(&d, "broken.acl", "user a\ntopic read x\n\ntopic read y/#/z\n", (size_t)-1);
	const char *missing = tu_dir_path(&d, "missing.acl");
	const char *badmap = tu_dir_write(&d, "bad.map", "dev-1 ok\ndev-2\n", (size_t)-1);
	const char *nomap = tu_dir_path(&d, "missing.map");
	const char *baddeny = tu_dir_write(&d, "bad.deny", "serial 01\nserial xyz\n", (size_t)-1);
	const char *nodeny = tu_dir_path(&d, "missing.deny");
	certacl_error err;
	char both[1200], expect[1300];

	/* a broken second ACL file: file:line, and no snapshot */
	snprintf(both, sizeof(both), "%s,%s", good, broken);
	certacl_opt_pair o1[] = { { "acl_file", both } };
	assert_null(build(o1, 1, &err));
	snprintf(expect, sizeof(expect), "%s:4: invalid topic filter", broken);
	assert_contains(err.text, expect);

	certacl_opt_pair o2[] = { { "acl_file", good }, { "acl_file", missing } };
	assert_null(build(o2, 2, &err));
	snprintf(expect, sizeof(expect), "%s: cannot open ACL file", missing);
	assert_contains(err.text, expect);

	certacl_opt_pair o3[] = { { "acl_file", good }, { "identity_map", badmap } };
	assert_null(build(o3, 2, &err));
	snprintf(expect, sizeof(expect), "%s:2: ", badmap);
	assert_contains(err.text, expect);

	certacl_opt_pair o4[] = { { "acl_file", good }, { "identity_map", nomap } };
	assert_null(build(o4, 2, &err));
	snprintf(expect, sizeof(expect), "%s: cannot open identity map", nomap);
	assert_contains(err.text, expect);

	certacl_opt_pair o5[] = { { "acl_file", good }, { "deny_list", baddeny } };
	assert_null(build(o5, 2, &err));
	snprintf(expect, sizeof(expect), "%s:2: ", baddeny);
	assert_contains(err.text, expect);

	certacl_opt_pair o6[] = { { "acl_file", good }, { "deny_list", nodeny } };
	assert_null(build(o6, 2, &err));
	assert_contains(err.text, nodeny);

	/* a bad option: named, with where it came from */
	certacl_opt_pair o7[] = { { "acl_file", good }, { "unmapped", "sometimes" } };
	assert_null(build(o7, 2, &err));
	assert_contains(err.text, "mosquitto.conf: unmapped: 'sometimes'");

	/* no ACL file */
	certacl_opt_pair o8[] = { { "identity", "cn" } };
	assert_null(build(o8, 1, &err));
	assert_contains(err.text, "no ACL file");
	assert_null(build(NULL, 0, &err));
	tu_dir_remove(&d);
}

/* ca_file and sha256 issuer pins: every sha256 pin must name a CA of the file. */
static void test_snapshot_issuer_pins(void **state)
{
	(void)state;
	tu_dir d;
	tu_dir_make(&d);
	X509 *ca = tu_cert_new();
	tu_cert_cn(ca, "Plant CA");
	tu_cert_sign(ca);
	char fp[65];
	tu_cert_sha256_hex(ca, fp);
	const char *ca_path = tu_dir_path(&d, "ca.pem");
	FILE *f = fopen(ca_path, "w");
	assert_non_null(f);
	assert_true(PEM_write_X509(f, ca));
	fclose(f);
	const char *acl = tu_dir_write(&d, "p.acl", "topic read x\n", (size_t)-1);
	const char *notpem = tu_dir_write(&d, "notpem.pem", "hello\n", (size_t)-1);
	char pin[80], pin_colons[200], other[80], map_text[300];
	snprintf(pin, sizeof(pin), "sha256:%s", fp);
	size_t o = (size_t)snprintf(pin_colons, sizeof(pin_colons), "sha256:");
	for(int i = 0; i < 64; i += 2){
		o += (size_t)snprintf(pin_colons + o, sizeof(pin_colons) - o, "%s%c%c", i ? ":" : "",
				fp[i] - ('a' <= fp[i] && fp[i] <= 'f' ? 32 : 0), fp[i+1]);
	}
	snprintf(other, sizeof(other), "sha256:%064d", 0);
	snprintf(map_text, sizeof(map_text), "dev-1 u issuer=%s\n", other);
	const char *map = tu_dir_write(&d, "pins.map", map_text, (size_t)-1);
	certacl_error err;

	certacl_opt_pair ok[] = { { "acl_file", acl }, { "ca_file", ca_path }, { "issuer", pin },
		{ "issuer", pin_colons }, { "issuer", "CN=Other CA" } };
	certacl_snapshot *s = build(ok, 5, &err);
	if(!s){
		print_error("%s\n", err.text);
		fail();
	}
	assert_non_null(s->cas);
	assert_int_equal(sk_X509_num(s->cas), 1);
	X509 *found = snapshot_ca_by_pin(s, pin);
	assert_non_null(found);
	assert_int_equal(X509_cmp(found, ca), 0);
	assert_non_null(snapshot_ca_by_pin(s, pin_colons));
	assert_null(snapshot_ca_by_pin(s, other));
	snapshot_free(s);

	/* a sha256 pin without ca_file */
	certacl_opt_pair no_ca[] = { { "acl_file", acl }, { "issuer", pin } };
	assert_null(build(no_ca, 2, &err));
	assert_contains(err.text, "ca_file");
	/* a sha256 pin that names no CA of the file */
	certacl_opt_pair wrong[] = { { "acl_file", acl }, { "ca_file", ca_path }, { "issuer", other } };
	assert_null(build(wrong, 3, &err));
	assert_contains(err.text, "matches no certificate");
	/* the same check for pins in the identity map, with file:line */
	certacl_opt_pair mapped[] = { { "acl_file", acl }, { "ca_file", ca_path }, { "identity_map", map } };
	assert_null(build(mapped, 3, &err));
	char expect[600];
	snprintf(expect, sizeof(expect), "%s:1: ", map);
	assert_contains(err.text, expect);
	/* CA file missing, or without a PEM certificate */
	certacl_opt_pair noca[] = { { "acl_file", acl }, { "ca_file", tu_dir_path(&d, "none.pem") } };
	assert_null(build(noca, 2, &err));
	assert_contains(err.text, "cannot open CA file");
	certacl_opt_pair bad[] = { { "acl_file", acl }, { "ca_file", notpem } };
	assert_null(build(bad, 2, &err));
	assert_contains(err.text, "no PEM certificate");
	X509_free(ca);
	tu_dir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_enumerations),
		cmocka_unit_test(test_bad_values),
		cmocka_unit_test(test_acl_file_lists),
		cmocka_unit_test(test_crl_options),
		cmocka_unit_test(test_session_owner_options),
		cmocka_unit_test(test_json_valid),
		cmocka_unit_test(test_json_inline_map),
		cmocka_unit_test(test_json_errors),
		cmocka_unit_test(test_finish_reads_config),
		cmocka_unit_test(test_snapshot_valid),
		cmocka_unit_test(test_snapshot_json_config),
		cmocka_unit_test(test_snapshot_errors),
		cmocka_unit_test(test_snapshot_issuer_pins),
	};
	return cmocka_run_group_tests_name("config", tests, NULL, teardown_key);
}
