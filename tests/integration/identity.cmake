# Integration tests of issue 3 (identity beyond the CN), one ctest test per file
# test_identity_<name>.py. Included from tests/integration/CMakeLists.txt after
# CERTACL_TEST_PYTHON and CERTACL_MOSQUITTO_BIN are set; registered like the other
# integration tests (same environment, timeout and label), plus the label "identity":
#   ctest --test-dir build -L identity --output-on-failure

set(_certacl_identity_tests
	identity_san        # identity from a SAN entry (san-dns, san-uri:2, san-email:2)
	identity_map        # identity map + unmapped deny, globs, map groups, groups_from ou
	identity_issuer     # issuer pins (map entry DN, global sha256 + ca_file, global DN)
	identity_denylist   # deny list at CONNECT; revoked / unmapped by SIGHUP -> disconnected
	identity_clientid   # client-id binding: owned (takeover refused, no will), any, equal, prefix
	identity_password   # no_cert defer + password_file with the seed ACL
	identity_aclonly    # ACL-only beside use_identity_as_username
)

foreach(_t IN LISTS _certacl_identity_tests)
	add_test(NAME integration_${_t}
		COMMAND "${CERTACL_TEST_PYTHON}" ${CMAKE_CURRENT_SOURCE_DIR}/test_${_t}.py)
	set_tests_properties(integration_${_t} PROPERTIES
		LABELS "integration;identity"
		TIMEOUT 120
		ENVIRONMENT "CERTACL_PLUGIN=$<TARGET_FILE:certacl_plugin>;CERTACL_SOURCE_DIR=${PROJECT_SOURCE_DIR};CERTACL_CERT_CACHE=${CMAKE_CURRENT_BINARY_DIR}/cert-cache;CERTACL_MOSQUITTO=${CERTACL_MOSQUITTO_BIN};PYTHONDONTWRITEBYTECODE=1")
endforeach()
