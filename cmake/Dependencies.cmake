# Every external dependency is found here, once. All come from Debian 12 packages
# (scripts/install-deps installs them).
find_package(PkgConfig REQUIRED)
pkg_check_modules(HTTPLIB REQUIRED IMPORTED_TARGET cpp-httplib)
pkg_check_modules(RDKAFKA REQUIRED IMPORTED_TARGET rdkafka)
find_package(PostgreSQL REQUIRED)
find_package(nlohmann_json 3.11 CONFIG REQUIRED)
find_package(Boost 1.74 CONFIG REQUIRED)
find_package(prometheus-cpp CONFIG REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(date CONFIG REQUIRED)
find_package(Threads REQUIRED)
# librdkafka is built from Debian's source with our patches (see the file).
include(cmake/Librdkafka.cmake)
if(ETP_BUILD_TESTS)
  find_package(Catch2 2 CONFIG REQUIRED)
  include(Catch)
endif()
