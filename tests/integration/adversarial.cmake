# Adversarial integration tests of issue 7 (item 3), one ctest test per file
# test_adversarial_<name>.py. Included from tests/integration/CMakeLists.txt after
# CERTACL_TEST_PYTHON and CERTACL_MOSQUITTO_BIN are set; registered like the other
# integration tests (same environment, timeout and label), plus the label "adversarial":
#   ctest --test-dir build -L adversarial --output-on-failure
# Helpers: advhelpers.py (hand-made DER certificates, a raw MQTT v5 client, Broker options).

set(_certacl_adversarial_tests
	adversarial_names     # client ids / usernames with + # / NUL, invalid UTF-8 vs %c/%u patterns
	adversarial_certs     # CNs with wildcards, slashes, control chars, 32/64 KB, several CNs; map
	adversarial_topics    # empty levels, 65535-byte topics, $SYS, $CONTROL, $share
	adversarial_session   # wills on unwritable topics; client-id takeover (live and offline)
	adversarial_flood     # 20k denied publishes: broker responsive, audit log bounded
)

foreach(_t IN LISTS _certacl_adversarial_tests)
	add_test(NAME integration_${_t}
		COMMAND "${CERTACL_TEST_PYTHON}" ${CMAKE_CURRENT_SOURCE_DIR}/test_${_t}.py)
	set_tests_properties(integration_${_t} PROPERTIES
		LABELS "integration;adversarial"
		TIMEOUT 120
		ENVIRONMENT "CERTACL_PLUGIN=$<TARGET_FILE:certacl_plugin>;CERTACL_SOURCE_DIR=${PROJECT_SOURCE_DIR};CERTACL_CERT_CACHE=${CMAKE_CURRENT_BINARY_DIR}/cert-cache;CERTACL_MOSQUITTO=${CERTACL_MOSQUITTO_BIN};PYTHONDONTWRITEBYTECODE=1")
endforeach()
