# The broker with certacl under valgrind (issue 7 item 2): test_valgrind_reload.py runs
# mosquitto under memcheck, connects and refuses clients, sends 200 SIGHUP reloads
# (good and broken policies in turn), stops the broker with SIGTERM and fails on any
# invalid access, use of uninitialised memory or definite/indirect leak attributed to
# certacl. About 1.5 minutes (100 s on a loaded 2-CPU machine). Included from
# tests/integration/CMakeLists.txt after CERTACL_TEST_PYTHON and CERTACL_MOSQUITTO_BIN
# are set. Run it alone with:
#   ctest --test-dir build -L valgrind --output-on-failure
# The test skips itself (passes) when valgrind is not installed.

add_test(NAME integration_valgrind_reload
	COMMAND "${CERTACL_TEST_PYTHON}" ${CMAKE_CURRENT_SOURCE_DIR}/test_valgrind_reload.py)
set_tests_properties(integration_valgrind_reload PROPERTIES
	LABELS "valgrind"
	TIMEOUT 600
	ENVIRONMENT "CERTACL_PLUGIN=$<TARGET_FILE:certacl_plugin>;CERTACL_SOURCE_DIR=${PROJECT_SOURCE_DIR};CERTACL_CERT_CACHE=${CMAKE_CURRENT_BINARY_DIR}/cert-cache;CERTACL_MOSQUITTO=${CERTACL_MOSQUITTO_BIN};PYTHONDONTWRITEBYTECODE=1")
