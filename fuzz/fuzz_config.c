/* certacl fuzzer: the JSON configuration (options_apply_json).
 *
 * The input is the JSON text (a NUL-terminated copy). When the input starts
 * with '!', two options are first set as plugin_opt_* lines would set them, so
 * that "set more than once" paths run too. Checks: no crash or leak, an error
 * text on failure, and that the ACL paths kept are non-empty, trimmed and free
 * of commas. */
#include "certacl/config.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	certacl_options o;
	certacl_error err;
	memset(&err, 0, sizeof(err));
	options_init(&o);

	bool preset = size > 0 && data[0] == '!';
	if(preset){
		FUZZ_CHECK(options_set(&o, "identity", "san-dns:2", "mosquitto.conf", &err), "%s", err.text);
		FUZZ_CHECK(options_set(&o, "acl_file", "a.acl, b.acl", "mosquitto.conf", &err), "%s", err.text);
		data++;
		size--;
	}
	char *text = fz_strndup(data, size);
	bool ok = options_apply_json(&o, "fuzz.json", text, &err);
	if(!ok){
		FUZZ_CHECK(memchr(err.text, '\0', sizeof(err.text)) && err.text[0] != '\0',
				"options_apply_json failed without an error text");
	}
	for(size_t i = 0; i < o.nacl_files; i++){
		const char *f = o.acl_files[i];
		size_t n = f ? strlen(f) : 0;
		FUZZ_CHECK(n > 0, "acl_file %zu is empty", i);
		FUZZ_CHECK(f[0] != ' ' && f[0] != '\t' && f[n-1] != ' ' && f[n-1] != '\t',
				"acl_file %s is not trimmed", fz_show(f));
		FUZZ_CHECK(!strchr(f, ','), "acl_file %s holds a comma", fz_show(f));
	}
	FUZZ_CHECK(!o.identity_map || o.identity_map[0], "identity_map is empty");
	FUZZ_CHECK(!o.config, "config was set from inside a config file");
	options_free(&o);
	free(text);
	return 0;
}
