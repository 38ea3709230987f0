#include "etp/testing/kafka_broker.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "etp/bus/producer.hpp"
#include "etp/testing/free_port.hpp"

namespace etp::testing {
namespace {

using namespace std::chrono_literals;

// A loaded 2-core machine takes 5-20 s to start the JVM and the KRaft quorum.
constexpr auto kStartTimeout = 120s;
constexpr auto kStopTimeout = 30s;

std::filesystem::path make_temp_dir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "etp-kafka-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error(std::string("mkdtemp failed: ") + std::strerror(errno));
    }
    return pattern;
}

std::string read_file(const std::filesystem::path& path) {
    std::ifstream in(path);
    std::stringstream out;
    out << in.rdbuf();
    return out.str();
}

std::string tail(const std::string& text, std::size_t max_chars) {
    return text.size() <= max_chars ? text : "..." + text.substr(text.size() - max_chars);
}

}  // namespace

KafkaBroker::KafkaBroker(KafkaBrokerOptions options) : options_(std::move(options)) {
    dir_ = make_temp_dir();
    port_ = free_port();
    controller_port_ = free_port();
    if (options_.sasl_ssl) sasl_ssl_port_ = free_port();
    bootstrap_ = "127.0.0.1:" + std::to_string(port_);
    if (options_.sasl_ssl) sasl_ssl_bootstrap_ = "127.0.0.1:" + std::to_string(sasl_ssl_port_);
    try {
        start();
        if (options_.create_topics) {
            auto result = run_command(ETP_TOPICS_BIN, {},
                                      {{"KAFKA_BROKERS", bootstrap_},
                                       {"KAFKA_TOPIC_PREFIX", options_.topic_prefix},
                                       {"LOG_LEVEL", "warn"}},
                                      60s);
            if (result.exit_code != 0) {
                throw std::runtime_error("etp-topics exited with " +
                                         std::to_string(result.exit_code) + ":\n" + result.out +
                                         result.err);
            }
        }
    } catch (...) {
        stop();
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw;
    }
}

KafkaBroker::~KafkaBroker() {
    stop();
    std::error_code ignored;  // a leftover temp dir is harmless
    std::filesystem::remove_all(dir_, ignored);
}

void KafkaBroker::start() {
    std::vector<std::string> args = {"run",
                                     "--dir",
                                     dir_.string(),
                                     "--port",
                                     std::to_string(port_),
                                     "--controller-port",
                                     std::to_string(controller_port_),
                                     "--heap",
                                     "512m"};
    if (options_.sasl_ssl) {
        args.insert(args.end(), {"--sasl-ssl-port", std::to_string(sasl_ssl_port_),
                                 "--tls-keystore", options_.tls_keystore});
        for (const auto& user : options_.scram_users) args.insert(args.end(), {"--scram", user});
    }
    // etp-kafka execs the JVM: the child's pid is the broker's.
    process_ = std::make_unique<ServiceProcess>(ETP_KAFKA_SCRIPT, Env{}, args);
    process_->start();

    etp::bus::ProducerConfig config;
    config.brokers = bootstrap_;
    config.client_id = "etp-test-kafka-ready";
    config.extra = {{"enable.idempotence", "false"}, {"log_level", "0"}};
    etp::bus::Producer probe(config);
    const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
    for (;;) {
        if (!process_->running()) {
            throw std::runtime_error("Apache Kafka exited before it served metadata:\n" +
                                     tail(process_->output(), 4000) + "\n" + tail(log(), 4000));
        }
        if (!probe.check(1s)) return;
        if (std::chrono::steady_clock::now() >= deadline) {
            throw std::runtime_error("Apache Kafka served no metadata within 120 s:\n" +
                                     tail(process_->output(), 4000) + "\n" + tail(log(), 4000));
        }
        std::this_thread::sleep_for(200ms);
    }
}

bool KafkaBroker::running() { return process_ && process_->running(); }

pid_t KafkaBroker::pid() const { return process_ ? process_->pid() : -1; }

void KafkaBroker::stop() noexcept {
    if (process_ && process_->running()) process_->terminate(kStopTimeout);
}

void KafkaBroker::kill9() noexcept {
    if (process_ && process_->running()) process_->kill9();
}

void KafkaBroker::restart() {
    stop();
    start();
}

std::string KafkaBroker::log() const { return read_file(dir_ / "logs" / "server.log"); }

KafkaBroker& KafkaBroker::shared() {
    static KafkaBroker broker;
    return broker;
}

}  // namespace etp::testing
