#pragma once
// Test harness for Kafka: runs the etp-dev-broker executable (librdkafka's mock cluster over
// real sockets) as a child process. Not thread-safe; create and stop from one thread. The
// broker is also killed if the thread that started it exits (PR_SET_PDEATHSIG), so a crashed
// test leaves no broker behind.

#include <sys/types.h>

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "etp/testing/read_topic.hpp"  // read_topic(), for tests of either broker

namespace etp::testing {

struct DevBrokerOptions {
    int brokers = 1;
    int partitions = 16;
    std::string topic_prefix = "etp.";
    int port = 0;  // 0: any free port; else a fixed one, to restart on the same address
};

class DevBroker {
 public:
    // Starts the broker and waits (up to 10 s) until it listens; throws std::runtime_error.
    explicit DevBroker(DevBrokerOptions options = {});
    ~DevBroker();  // stop()
    DevBroker(const DevBroker&) = delete;
    DevBroker& operator=(const DevBroker&) = delete;

    // "127.0.0.1:port[,...]", for bootstrap.servers.
    const std::string& bootstrap() const { return bootstrap_; }
    pid_t pid() const { return pid_; }
    bool running() const { return pid_ > 0; }
    // SIGTERM, then waits for the exit (SIGKILL after 10 s). Idempotent.
    void stop() noexcept;

    // One broker per test process, started on first use, stopped at exit. Tests that share it
    // use their own topics or groups.
    static DevBroker& shared();

 private:
    DevBrokerOptions options_;
    std::filesystem::path dir_;
    pid_t pid_ = -1;
    std::string bootstrap_;
};

}  // namespace etp::testing
