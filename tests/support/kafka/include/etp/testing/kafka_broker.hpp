#pragma once
// Test harness for Kafka: Apache Kafka (KRaft, one node) from deploy/kafka/etp-kafka, on free
// loopback ports with a throwaway data directory, and the platform's topics created by
// etp-topics as scripts/run creates them. Not thread-safe; create, stop and restart from one
// thread. The JVM is killed with the test process (PR_SET_PDEATHSIG), so a crashed test leaves
// no broker behind.

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "etp/testing/service_process.hpp"

namespace etp::testing {

struct KafkaBrokerOptions {
    std::string topic_prefix = "etp.";
    bool create_topics = true;  // run etp-topics once the broker serves metadata
    // A SASL_SSL listener (SCRAM-SHA-512) next to the plaintext one: the PEM file holds the
    // listener's PKCS#8 key and its certificate chain; users are "name:password".
    bool sasl_ssl = false;
    std::string tls_keystore;
    std::vector<std::string> scram_users;
};

class KafkaBroker {
 public:
    // Formats a new cluster, starts it and waits (up to 120 s) until it serves metadata, then
    // creates the topics. Throws std::runtime_error with the broker's log on failure.
    explicit KafkaBroker(KafkaBrokerOptions options = {});
    ~KafkaBroker();  // stop(), then deletes the data directory
    KafkaBroker(const KafkaBroker&) = delete;
    KafkaBroker& operator=(const KafkaBroker&) = delete;

    // "127.0.0.1:port" of the plaintext listener, for bootstrap.servers.
    const std::string& bootstrap() const { return bootstrap_; }
    // "127.0.0.1:port" of the SASL_SSL listener (empty without options.sasl_ssl).
    const std::string& sasl_ssl_bootstrap() const { return sasl_ssl_bootstrap_; }
    bool running();
    pid_t pid() const;

    // SIGTERM (a controlled shutdown), SIGKILL after 30 s. Idempotent.
    void stop() noexcept;
    // SIGKILL: the broker dies with whatever it had not written.
    void kill9() noexcept;
    // Starts again on the same ports and data (after stop or kill9) and waits until it serves
    // metadata; the topics and committed offsets are still there.
    void restart();

    // The broker's own log (server.log), for INFO() on failure.
    std::string log() const;

    // One broker per test process, started on first use, stopped at exit.
    static KafkaBroker& shared();

 private:
    void start();

    KafkaBrokerOptions options_;
    std::filesystem::path dir_;
    int port_ = 0;
    int controller_port_ = 0;
    int sasl_ssl_port_ = 0;
    std::string bootstrap_;
    std::string sasl_ssl_bootstrap_;
    std::unique_ptr<ServiceProcess> process_;
};

}  // namespace etp::testing
