#pragma once
// A single-node Apache Kafka (KRaft: broker and controller in one JVM) for tests, started from
// the jars in a directory, on free ports, with its own temporary data directory. Kept small and
// apart so that the harness (tests/support) can replace it once it starts Kafka itself: tests
// use shared_apache_kafka() and bootstrap() only. Not thread-safe.

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include "etp/testing/service_process.hpp"

namespace etp::testing {

class ApacheKafka {
 public:
    // Formats the storage, starts the broker and waits until it answers with a controller.
    // Throws std::runtime_error (with the broker's output) when it does not within `timeout`.
    ApacheKafka(const std::string& libs_dir, std::chrono::milliseconds timeout);
    ~ApacheKafka();  // SIGTERM (SIGKILL after 30 s), then removes the data directory
    ApacheKafka(const ApacheKafka&) = delete;
    ApacheKafka& operator=(const ApacheKafka&) = delete;

    const std::string& bootstrap() const { return bootstrap_; }

 private:
    std::filesystem::path dir_;
    std::string bootstrap_;
    std::unique_ptr<ServiceProcess> process_;
};

// The directory with Kafka's jars: $ETP_KAFKA_LIBS, else the build's ETP_KAFKA_LIBS (CMake
// cache, default .deps/kafka/libs). Throws std::runtime_error naming the directory when it
// holds no kafka_*.jar: a test without Kafka fails, it is not skipped.
std::string kafka_libs_dir();

// One broker per test process, started on first use, stopped at exit.
ApacheKafka& shared_apache_kafka();

}  // namespace etp::testing
