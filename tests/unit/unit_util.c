/* certacl unit tests: shared helpers (see unit_util.h). */
#include <signal.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/x509v3.h>

#include "unit_util.h"

void tu_assert_contains(const char *hay, const char *needle, const char *file, int line)
{
	if(hay && needle && strstr(hay, needle)) return;
	print_error("'%s' does not contain '%s'\n", hay ? hay : "(null)", needle ? needle : "(null)");
	_fail(file, line);
}

/* ---- isolation ---- */

int tu_in_child(void (*fn)(void *arg), void *arg)
{
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if(pid == 0){
		/* cmocka catches crash signals and would go on running the other tests
		 * (and their teardown) in the child: die plainly instead */
		static const int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
		for(size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) signal(sigs[i], SIG_DFL);
		fn(arg);
		_exit(0);
	}
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	if(WIFSIGNALED(st)) return 128 + WTERMSIG(st);
	return WIFEXITED(st) ? WEXITSTATUS(st) : 255;
}

typedef struct guard_hdr {
	void *map;
	size_t len;
} guard_hdr;

char *tu_guarded_strdup(const char *s)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	size_t n = strlen(s) + 1;
	size_t data_pages = (n + sizeof(guard_hdr) + page - 1) / page;
	size_t len = (data_pages + 1) * page;
	unsigned char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(map != MAP_FAILED);
	assert_int_equal(mprotect(map + data_pages * page, page, PROT_NONE), 0);
	char *out = (char *)map + data_pages * page - n;
	memcpy(out, s, n);
	guard_hdr h = { map, len };
	memcpy(map, &h, sizeof(h));
	return out;
}

void tu_guarded_free(char *s)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	/* the header sits at the start of the mapping, which starts on the page of
	 * s or earlier; walk back page by page to the mapping start */
	unsigned char *p = (unsigned char *)((uintptr_t)s & ~(uintptr_t)(page - 1));
	for(;;){
		guard_hdr h;
		memcpy(&h, p, sizeof(h));
		if(h.map == p){
			munmap(h.map, h.len);
			return;
		}
		p -= page;
	}
}

/* ---- temporary files ---- */

void tu_dir_make(tu_dir *d)
{
	memset(d, 0, sizeof(*d));
	const char *tmp = getenv("TMPDIR");
	snprintf(d->path, sizeof(d->path), "%s/certacl-unit-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
	assert_non_null(mkdtemp(d->path));
}

static const char *remember(tu_dir *d, const char *name)
{
	assert_true(d->nfiles < sizeof(d->files) / sizeof(d->files[0]));
	size_t n = strlen(d->path) + strlen(name) + 2;
	char *p = malloc(n);
	assert_non_null(p);
	snprintf(p, n, "%s/%s", d->path, name);
	d->files[d->nfiles++] = p;
	return p;
}

const char *tu_dir_write(tu_dir *d, const char *name, const char *text, size_t len)
{
	const char *p = remember(d, name);
	if(len == (size_t)-1) len = strlen(text);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
	return p;
}

const char *tu_dir_path(tu_dir *d, const char *name)
{
	return remember(d, name);
}

void tu_dir_remove(tu_dir *d)
{
	for(size_t i = 0; i < d->nfiles; i++){
		unlink(d->files[i]);
		free(d->files[i]);
	}
	d->nfiles = 0;
	if(d->path[0]) rmdir(d->path);
	d->path[0] = '\0';
}

/* ---- policies ---- */

certacl_policy *tu_policy(const char *name, const char *text, certacl_error *err)
{
	certacl_policy *p = policy_new();
	assert_non_null(p);
	err->text[0] = '\0';
	if(!policy_add_text(p, name, text, strlen(text), err) || !policy_finish(p, err)){
		policy_free(p);
		return NULL;
	}
	return p;
}

certacl_policy *tu_policy_ok(const char *text)
{
	certacl_error err;
	certacl_policy *p = tu_policy("test.acl", text, &err);
	if(!p){
		print_error("policy failed to load: %s\n", err.text);
		fail();
	}
	return p;
}

certacl_subject tu_subject(const char *user, const char *clientid)
{
	certacl_subject s;
	memset(&s, 0, sizeof(s));
	s.vars[CERTACL_VAR_USERNAME] = user;
	s.vars[CERTACL_VAR_CLIENTID] = clientid;
	return s;
}

certacl_decision tu_decide(const certacl_policy *p, const certacl_subject *who,
		certacl_access access, const char *topic)
{
	certacl_request req = { .access = access, .topic = topic,
		.topic_len = topic ? strlen(topic) : 0, .qos = 0, .retain = false };
	certacl_decision d;
	memset(&d, 0xA5, sizeof(d)); /* acl_decide must set every field */
	acl_decide(p, who, &req, &d);
	return d;
}

certacl_decision tu_decide_u(const certacl_policy *p, const char *user, const char *clientid,
		certacl_access access, const char *topic)
{
	certacl_subject s = tu_subject(user, clientid);
	return tu_decide(p, &s, access, topic);
}

/* ---- certificates ---- */

static EVP_PKEY *shared_key;

EVP_PKEY *tu_key(void)
{
	if(!shared_key){
		shared_key = EVP_EC_gen("P-256");
		assert_non_null(shared_key);
	}
	return shared_key;
}

void tu_key_free(void)
{
	EVP_PKEY_free(shared_key);
	shared_key = NULL;
}

X509 *tu_cert_new(void)
{
	X509 *x = X509_new();
	assert_non_null(x);
	assert_true(X509_set_version(x, 2));
	assert_true(ASN1_INTEGER_set(X509_get_serialNumber(x), 1));
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_true(X509_set_pubkey(x, tu_key()));
	return x;
}

void tu_cert_name(X509 *x, int nid, int type, const char *bytes, int len)
{
	X509_NAME *name = X509_get_subject_name(x);
	if(len < 0) len = (int)strlen(bytes);
	/* A plain ASN.1 type (not MBSTRING_*) stores the bytes as given. */
	assert_true(X509_NAME_add_entry_by_NID(name, nid, type,
			(const unsigned char *)bytes, len, -1, 0));
}

void tu_cert_cn(X509 *x, const char *cn)
{
	tu_cert_name(x, NID_commonName, V_ASN1_UTF8STRING, cn, -1);
}

void tu_cert_sans(X509 *x, const tu_san *sans, size_t n)
{
	GENERAL_NAMES *names = sk_GENERAL_NAME_new_null();
	assert_non_null(names);
	for(size_t i = 0; i < n; i++){
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();
		assert_non_null(g);
		assert_non_null(s);
		int len = sans[i].len < 0 ? (int)strlen(sans[i].bytes) : sans[i].len;
		assert_true(ASN1_STRING_set(s, sans[i].bytes, len));
		GENERAL_NAME_set0_value(g, sans[i].type, s);
		assert_true(sk_GENERAL_NAME_push(names, g) > 0);
	}
	assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, names, 0, X509V3_ADD_REPLACE), 1);
	GENERAL_NAMES_free(names);
}

void tu_cert_serial_hex(X509 *x, const char *hex)
{
	BIGNUM *bn = NULL;
	assert_true(BN_hex2bn(&bn, hex) > 0);
	ASN1_INTEGER *ai = BN_to_ASN1_INTEGER(bn, NULL);
	assert_non_null(ai);
	assert_true(X509_set_serialNumber(x, ai));
	ASN1_INTEGER_free(ai);
	BN_free(bn);
}

bool tu_cert_try_sign(X509 *x)
{
	X509_NAME *issuer = X509_get_issuer_name(x);
	if(X509_NAME_entry_count(issuer) == 0){
		assert_true(X509_NAME_add_entry_by_NID(issuer, NID_commonName, MBSTRING_UTF8,
				(const unsigned char *)TU_ISSUER_CN, -1, -1, 0));
	}
	bool ok = X509_sign(x, tu_key(), EVP_sha256()) > 0;
	ERR_clear_error();
	return ok;
}

void tu_cert_sign(X509 *x)
{
	/* A fixed issuer (copying an odd subject would re-encode it, which OpenSSL
	 * refuses for invalid UTF-8). */
	X509_NAME *issuer = X509_get_issuer_name(x);
	if(X509_NAME_entry_count(issuer) == 0){
		assert_true(X509_NAME_add_entry_by_NID(issuer, NID_commonName, MBSTRING_UTF8,
				(const unsigned char *)TU_ISSUER_CN, -1, -1, 0));
	}
	assert_true(X509_sign(x, tu_key(), EVP_sha256()) > 0);
}

void tu_cert_sha256_hex(X509 *x, char out[65])
{
	unsigned char *der = NULL;
	int n = i2d_X509(x, &der);
	assert_true(n > 0);
	unsigned char md[32];
	unsigned int mdlen = 0;
	assert_true(EVP_Digest(der, (size_t)n, md, &mdlen, EVP_sha256(), NULL));
	assert_int_equal(mdlen, 32);
	OPENSSL_free(der);
	for(unsigned i = 0; i < 32; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}
