# The Debian package: `cmake --build build --target package` -> build/stackgate_<version>_<arch>.deb
#
# It holds exactly what the install() rules declare (the binary in bin/, the
# probe modules in lib/stackgate/, and whatever else other rules add), under
# /usr. The version is project(VERSION), the same one `stackgate --version`
# prints and docker/build.sh puts into the image labels.
#
# Depends: is computed by dpkg-shlibdeps over every ELF file in the package,
# the dlopen()ed probe modules included (CPack passes it each dynamically
# linked executable and shared object it installs), so libpq5, libhiredis0.14,
# librdkafka1... come from the modules that load them, not from a hand-kept list.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME stackgate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "stackgate")
set(CPACK_PACKAGE_CONTACT "stackgate maintainers <stackgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "readiness gate for container stacks")
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "readiness gate for container stacks\n"
  "stackgate reads compose files as Docker Compose does, works out the\n"
  "dependency levels of a service and releases it only when every upstream is\n"
  "really ready: typed protocol probes for Postgres, Redis, Kafka, ClickHouse,\n"
  "ZooKeeper, MQTT, MySQL, AMQP, HTTP, TLS and TCP.")
set(CPACK_RESOURCE_FILE_LICENSE ${PROJECT_SOURCE_DIR}/LICENSE)
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# A program, not a library: no shlibs file for others to depend on.
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
# Where `make package` leaves the .deb; _CPack_Packages/ holds the staging tree.
set(CPACK_PACKAGE_DIRECTORY ${CMAKE_BINARY_DIR})
include(CPack)

# Debian wants the licence in /usr/share/doc/<package>/copyright; the Docker
# image (cmake --install) carries it the same way.
install(FILES ${PROJECT_SOURCE_DIR}/LICENSE DESTINATION share/doc/stackgate RENAME copyright)
