# integration_sparkplug: a Sparkplug B session through mosquitto + certacl with mutual
# TLS, on acl-examples/sparkplug-least-privilege (SPEC section 4, issue 4).
# Include from tests/integration/CMakeLists.txt, after its foreach() over
# _certacl_integration_tests:
#     include(${CMAKE_CURRENT_SOURCE_DIR}/sparkplug.cmake)
# (Equivalent: add "sparkplug" to _certacl_integration_tests; the guard below makes
# doing both harmless.)
if(NOT TEST integration_sparkplug)
	add_test(NAME integration_sparkplug
		COMMAND "${CERTACL_TEST_PYTHON}" ${CMAKE_CURRENT_SOURCE_DIR}/test_sparkplug.py)
	set_tests_properties(integration_sparkplug PROPERTIES
		LABELS integration
		TIMEOUT 120
		ENVIRONMENT "CERTACL_PLUGIN=$<TARGET_FILE:certacl_plugin>;CERTACL_SOURCE_DIR=${PROJECT_SOURCE_DIR};CERTACL_CERT_CACHE=${CMAKE_CURRENT_BINARY_DIR}/cert-cache;CERTACL_MOSQUITTO=${CERTACL_MOSQUITTO_BIN};PYTHONDONTWRITEBYTECODE=1")
endif()
