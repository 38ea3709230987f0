# librdkafka for everything of ours that speaks Kafka: the services (libs/bus) and the
# development broker's mock cluster (deploy/local). Built as a static library from Debian 12's
# own source of its librdkafka1 2.0.2 package (the tarball scripts/install-deps fetches into
# .deps/), with the patches in third_party/librdkafka/:
#   scram-nonce.patch  SASL/SCRAM logins to Apache Kafka 4 (2.0.2's nonce is rejected there);
#   mock-fetch.patch   the mock cluster's Fetch, which walked a partition's whole log.
# Features as Debian builds it: TLS (OpenSSL), SASL PLAIN/SCRAM/OAUTHBEARER and GSSAPI (Cyrus
# SASL), gzip/snappy/lz4/zstd; the headers stay Debian's librdkafka-dev (the same 2.0.2 API).
# Without the tarball the build falls back to Debian's shared librdkafka and says what that
# costs. Defines etp::rdkafka and ETP_RDKAFKA_BUILD ("patched" or "debian").
set(rdkafka_source_env ${PROJECT_SOURCE_DIR}/third_party/librdkafka/source.env)
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${rdkafka_source_env})
file(STRINGS ${rdkafka_source_env} rdkafka_source_pool_path
     REGEX "^RDKAFKA_SOURCE_POOL_PATH=")
file(STRINGS ${rdkafka_source_env} rdkafka_source_sha256 REGEX "^RDKAFKA_SOURCE_SHA256=")
string(REGEX REPLACE "^[A-Z_0-9]+=" "" rdkafka_source_pool_path "${rdkafka_source_pool_path}")
string(REGEX REPLACE "^[A-Z_0-9]+=" "" rdkafka_source_sha256 "${rdkafka_source_sha256}")
get_filename_component(rdkafka_source_name ${rdkafka_source_pool_path} NAME)
set(ETP_RDKAFKA_SOURCE_TARBALL "${PROJECT_SOURCE_DIR}/.deps/${rdkafka_source_name}"
    CACHE FILEPATH "Debian's librdkafka 2.0.2 source tarball, built with third_party/librdkafka/")

add_library(etp_rdkafka INTERFACE)
add_library(etp::rdkafka ALIAS etp_rdkafka)
target_include_directories(etp_rdkafka SYSTEM INTERFACE ${RDKAFKA_INCLUDE_DIRS})

if(EXISTS "${ETP_RDKAFKA_SOURCE_TARBALL}")
  include(ExternalProject)
  find_package(ZLIB REQUIRED)
  set(rdkafka_patches ${PROJECT_SOURCE_DIR}/third_party/librdkafka)
  set(rdkafka_build ${PROJECT_BINARY_DIR}/third_party/librdkafka-build)
  set(rdkafka_lib ${rdkafka_build}/src/librdkafka.a)
  # Its own flags (no -Werror, no sanitizers): third-party C built as its authors build it.
  ExternalProject_Add(librdkafka_patched
    URL "${ETP_RDKAFKA_SOURCE_TARBALL}"
    URL_HASH SHA256=${rdkafka_source_sha256}
    DOWNLOAD_EXTRACT_TIMESTAMP ON
    PATCH_COMMAND patch -p1 --quiet -i ${rdkafka_patches}/mock-fetch.patch
          COMMAND patch -p1 --quiet -i ${rdkafka_patches}/scram-nonce.patch
    BINARY_DIR ${rdkafka_build}
    CMAKE_ARGS
      -DCMAKE_BUILD_TYPE=Release
      -DCMAKE_C_COMPILER=${CMAKE_C_COMPILER}
      -DCMAKE_POSITION_INDEPENDENT_CODE=ON
      -DRDKAFKA_BUILD_STATIC=ON -DRDKAFKA_BUILD_EXAMPLES=OFF -DRDKAFKA_BUILD_TESTS=OFF
      -DWITH_SSL=ON -DWITH_SASL=ON -DWITH_ZLIB=ON -DWITH_ZSTD=ON -DWITH_CURL=OFF
      -DENABLE_LZ4_EXT=OFF -DWITH_PLUGINS=OFF
    BUILD_COMMAND ${CMAKE_COMMAND} --build <BINARY_DIR> --target rdkafka
    INSTALL_COMMAND ""
    BUILD_BYPRODUCTS ${rdkafka_lib}
    LOG_CONFIGURE ON LOG_BUILD ON LOG_OUTPUT_ON_FAILURE ON
  )
  add_library(etp_rdkafka_static STATIC IMPORTED)
  set_target_properties(etp_rdkafka_static PROPERTIES IMPORTED_LOCATION ${rdkafka_lib})
  add_dependencies(etp_rdkafka_static librdkafka_patched)
  target_link_libraries(etp_rdkafka INTERFACE etp_rdkafka_static OpenSSL::SSL OpenSSL::Crypto
    ZLIB::ZLIB zstd sasl2 Threads::Threads m rt ${CMAKE_DL_LIBS})
  set(ETP_RDKAFKA_BUILD patched)
else()
  message(WARNING "${ETP_RDKAFKA_SOURCE_TARBALL} is missing (scripts/install-deps fetches it): "
                  "linking Debian's shared librdkafka 2.0.2, whose SASL/SCRAM logins Apache "
                  "Kafka 4 rejects and whose mock cluster slows down as its partitions fill")
  target_link_libraries(etp_rdkafka INTERFACE PkgConfig::RDKAFKA)
  set(ETP_RDKAFKA_BUILD debian)
endif()
