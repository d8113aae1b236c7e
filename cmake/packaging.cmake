# certacl install rules and Debian package (CPack DEB).
# Included by the top-level CMakeLists.txt after include(GNUInstallDirs) and after
# tools/ (so the `certacl` CLI target, when built, already exists).
#
#   cmake -S . -B build-pkg -DCMAKE_BUILD_TYPE=Release -DCERTACL_TESTS=OFF -DCMAKE_INSTALL_PREFIX=/usr
#   cmake --build build-pkg -j
#   cd build-pkg && cpack -G DEB          # -> certacl_<version>_<arch>.deb
#
# Layout (prefix /usr on Debian 12 amd64):
#   /usr/lib/x86_64-linux-gnu/certacl.so   the plugin, beside Debian's
#                                          mosquitto_dynamic_security.so (${CMAKE_INSTALL_LIBDIR})
#   /usr/lib/mosquitto/certacl.so          symlink to it: the path the docs use
#                                          (plugin /usr/lib/mosquitto/certacl.so)
#   /usr/bin/certacl                       the CLI (installed by tools/CMakeLists.txt)
#   /usr/share/doc/certacl/                README.md, examples/<name>/ (acl-examples) and
#                                          scripts/gencerts (which the examples' run.sh use)
# scripts/package-check builds the package and checks exactly this.

if(NOT CMAKE_INSTALL_PREFIX STREQUAL "/usr" AND NOT CMAKE_INSTALL_LIBDIR MATCHES "/")
  message(STATUS "certacl: CMAKE_INSTALL_PREFIX is ${CMAKE_INSTALL_PREFIX}: plugin goes to "
    "${CMAKE_INSTALL_LIBDIR}; configure with -DCMAKE_INSTALL_PREFIX=/usr for Debian's "
    "multiarch directory (what the .deb should use)")
endif()

# ------------------------------------------------------------------ the plugin
install(TARGETS certacl_plugin
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)

# lib/mosquitto/certacl.so -> the plugin, as a relative link so it resolves inside
# any DESTDIR or --prefix tree (and inside the extracted .deb).
set(CERTACL_PLUGIN_LINK_DIR "lib/mosquitto")
if(IS_ABSOLUTE "${CMAKE_INSTALL_LIBDIR}")
  set(_certacl_link_target "${CMAKE_INSTALL_LIBDIR}/certacl.so")
else()
  file(RELATIVE_PATH _certacl_link_target
    "/certacl-prefix/${CERTACL_PLUGIN_LINK_DIR}"
    "/certacl-prefix/${CMAKE_INSTALL_LIBDIR}/certacl.so")
endif()
if(NOT "${CMAKE_INSTALL_LIBDIR}" STREQUAL "${CERTACL_PLUGIN_LINK_DIR}")
  install(CODE "
    set(_dir \"\$ENV{DESTDIR}\${CMAKE_INSTALL_PREFIX}/${CERTACL_PLUGIN_LINK_DIR}\")
    file(MAKE_DIRECTORY \"\${_dir}\")
    file(REMOVE \"\${_dir}/certacl.so\")
    file(CREATE_LINK \"${_certacl_link_target}\" \"\${_dir}/certacl.so\" SYMBOLIC)
    message(STATUS \"Installing: \${_dir}/certacl.so -> ${_certacl_link_target}\")
    list(APPEND CMAKE_INSTALL_MANIFEST_FILES \"\${CMAKE_INSTALL_PREFIX}/${CERTACL_PLUGIN_LINK_DIR}/certacl.so\")
  ")
endif()

# ------------------------------------------------------------------ documentation
install(FILES ${PROJECT_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
# acl-examples/<name>/ -> share/doc/certacl/examples/<name>/ (scripts stay executable;
# generated certificates, if someone ran an example in the source tree, and dotfiles
# are left out)
if(IS_DIRECTORY ${PROJECT_SOURCE_DIR}/acl-examples)
  install(DIRECTORY ${PROJECT_SOURCE_DIR}/acl-examples/
    DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples
    USE_SOURCE_PERMISSIONS
    PATTERN "certs" EXCLUDE
    PATTERN "*.pem" EXCLUDE
    PATTERN "*.key" EXCLUDE
    PATTERN "*.srl" EXCLUDE
    PATTERN "*~" EXCLUDE
    REGEX "/\\.[^/]*$" EXCLUDE)                      # .gitignore and other dotfiles
  # The examples' make-certs.sh look for ../../scripts/gencerts: ship it beside them so
  # /usr/share/doc/certacl/examples/*/run.sh work as they do in the source tree.
  install(PROGRAMS ${PROJECT_SOURCE_DIR}/scripts/gencerts
    DESTINATION ${CMAKE_INSTALL_DOCDIR}/scripts)
endif()

# ------------------------------------------------------------------ the CLI
# tools/CMakeLists.txt installs the `certacl` target to ${CMAKE_INSTALL_BINDIR} itself.
if(TARGET certacl)
  set(CERTACL_PACKAGE_HAS_CLI 1)
else()
  set(CERTACL_PACKAGE_HAS_CLI 0)
endif()

# What the package must contain, for scripts/package-check (paths relative to the prefix).
file(WRITE ${PROJECT_BINARY_DIR}/certacl-package-layout.txt
  "# written by cmake/packaging.cmake; read by scripts/package-check\n"
  "prefix=${CMAKE_INSTALL_PREFIX}\n"
  "plugin=${CMAKE_INSTALL_LIBDIR}/certacl.so\n"
  "plugin_link=${CERTACL_PLUGIN_LINK_DIR}/certacl.so\n"
  "plugin_link_target=${_certacl_link_target}\n"
  "cli=${CMAKE_INSTALL_BINDIR}/certacl\n"
  "has_cli=${CERTACL_PACKAGE_HAS_CLI}\n"
  "docdir=${CMAKE_INSTALL_DOCDIR}\n"
  "examples=${CMAKE_INSTALL_DOCDIR}/examples\n"
  "version=${PROJECT_VERSION}\n")

# ------------------------------------------------------------------ CPack: .deb
set(CERTACL_PACKAGE_MAINTAINER "certacl maintainers <certacl@example.org>"
  CACHE STRING "Maintainer field of the .deb (Name <email>)")

set(CPACK_PACKAGE_NAME certacl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "certacl")
set(CPACK_PACKAGE_CONTACT "${CERTACL_PACKAGE_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
  "mosquitto plugin: TLS client-certificate authentication and topic ACLs")
set(CPACK_PACKAGE_DESCRIPTION
"certacl is a plugin for the Mosquitto MQTT broker (2.0, plugin API v5) that
authenticates clients by their TLS client certificate (CN, DN, SAN, serial or
fingerprint, through an optional identity map) and enforces topic ACL files in
mosquitto's acl_file syntax, with groups, certificate placeholders, QoS/retain
limits, deny-wins semantics, safe reload and an audit log. Built for industrial
MQTT (Sparkplug B). Load it with: plugin /usr/lib/mosquitto/certacl.so
Also ships the certacl command-line tool (lint, identity, explain).")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_PACKAGE_NAME certacl)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)            # certacl_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CERTACL_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# The broker this plugin is for; the shared libraries come from dpkg-shlibdeps when it
# is available (dpkg-dev, pulled in by build-essential), else they are listed here.
find_program(CERTACL_DPKG_SHLIBDEPS dpkg-shlibdeps)
mark_as_advanced(CERTACL_DPKG_SHLIBDEPS)
if(CERTACL_DPKG_SHLIBDEPS)
  set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "mosquitto (>= 2.0)")
else()
  set(CPACK_DEBIAN_PACKAGE_DEPENDS "mosquitto (>= 2.0), libc6, libssl3, libcjson1")
endif()
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "mosquitto-clients, openssl")

set(CPACK_GENERATOR DEB)
set(CPACK_SOURCE_GENERATOR TGZ)
set(CPACK_SOURCE_IGNORE_FILES "/\\\\.git/" "/build[^/]*/" "/certs/" "/demo/")
include(CPack)
