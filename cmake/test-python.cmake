# Tools the Python tests need, found once for tests/integration and tests/cli:
# CERTACL_TEST_PYTHON, a python3 that can import paho-mqtt (Debian's
# python3-paho-mqtt installs it for /usr/bin/python3, which may not be the first
# python3 on PATH: pyenv, venvs; override with -DCERTACL_TEST_PYTHON=...), and
# CERTACL_MOSQUITTO_BIN, the broker.
if(NOT CERTACL_TEST_PYTHON)
	find_program(_certacl_path_python3 NAMES python3)
	set(_certacl_found "")
	foreach(_py IN ITEMS /usr/bin/python3 ${_certacl_path_python3})
		if(_py AND EXISTS "${_py}")
			execute_process(COMMAND "${_py}" -c "import paho.mqtt.client"
				RESULT_VARIABLE _certacl_rc OUTPUT_QUIET ERROR_QUIET)
			if(_certacl_rc EQUAL 0)
				set(_certacl_found "${_py}")
				break()
			endif()
		endif()
	endforeach()
	if(NOT _certacl_found)
		message(WARNING "certacl: no python3 with paho-mqtt found (apt-get install python3-paho-mqtt, "
			"or run scripts/bootstrap); the Python tests will fail")
		set(_certacl_found python3)
	endif()
	set(CERTACL_TEST_PYTHON "${_certacl_found}" CACHE FILEPATH "python3 with paho-mqtt for the Python tests")
endif()

find_program(CERTACL_MOSQUITTO_BIN NAMES mosquitto PATHS /usr/sbin /usr/local/sbin)
if(NOT CERTACL_MOSQUITTO_BIN)
	message(WARNING "certacl: mosquitto not found (apt-get install mosquitto); the broker tests will fail")
	set(CERTACL_MOSQUITTO_BIN /usr/sbin/mosquitto)
endif()
