#include "etp/dev_broker/mock_cluster.hpp"

// clang-format off
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>  // needs rdkafka.h first
// clang-format on
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "etp/bus/topics.hpp"
#include "etp/domain/error.hpp"
#include "etp/runtime/log.hpp"

namespace etp::dev_broker {
namespace {

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
};
struct KafkaDeleter {
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy(rk); }
};
struct ClusterDeleter {
    void operator()(rd_kafka_mock_cluster_t* cluster) const noexcept {
        rd_kafka_mock_cluster_destroy(cluster);
    }
};
using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using ClusterPtr = std::unique_ptr<rd_kafka_mock_cluster_t, ClusterDeleter>;

// librdkafka threads call this; the mock's own lines come through here too.
void on_log(const rd_kafka_t* /*rk*/, int level, const char* facility, const char* text) noexcept {
    const log::Level ours = level <= 3   ? log::Level::kError
                            : level == 4 ? log::Level::kWarn
                            : level <= 6 ? log::Level::kInfo
                                         : log::Level::kDebug;
    if (!log::enabled(ours)) return;
    log::write(ours, "librdkafka log",
               {{"facility", facility}, {"rdkafka_level", level}, {"detail", text}});
}

std::optional<int> parse_int(const std::string& text) {
    int value = 0;
    const char* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, value);
    if (ec != std::errc() || ptr != end) return std::nullopt;
    return value;
}

}  // namespace

struct MockCluster::Impl {
    // The cluster needs a client handle for its bookkeeping; it must die before that handle.
    KafkaPtr rk;
    ClusterPtr cluster;
};

MockCluster::MockCluster(const Options& options) : impl_(std::make_unique<Impl>()) {
    std::array<char, 512> errstr{};
    ConfPtr conf(rd_kafka_conf_new());
    rd_kafka_conf_set_log_cb(conf.get(), on_log);
    if (rd_kafka_conf_set(conf.get(), "client.id", "etp-dev-broker", errstr.data(),
                          errstr.size()) != RD_KAFKA_CONF_OK) {
        throw Error(ErrorKind::kInternal, "client.id rejected: " + std::string(errstr.data()));
    }
    impl_->rk.reset(rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), errstr.data(), errstr.size()));
    if (!impl_->rk) {
        // The conf is still ours; `conf` destroys it.
        throw Error(ErrorKind::kInternal,
                    "cannot create kafka handle: " + std::string(errstr.data()));
    }
    (void)conf.release();  // rd_kafka_new took ownership of the conf

    impl_->cluster.reset(rd_kafka_mock_cluster_new(impl_->rk.get(), options.brokers));
    if (!impl_->cluster) {
        throw Error(ErrorKind::kInternal, "cannot start the mock cluster (port in use?)");
    }
    const int replication = std::min(options.brokers, 3);
    for (const bus::TopicSpec& topic : bus::Topics(options.topic_prefix).all(options.partitions)) {
        // The mock has no log compaction: trigger.changes keeps every record, which readers
        // of a compacted topic tolerate anyway.
        const rd_kafka_resp_err_t err = rd_kafka_mock_topic_create(
            impl_->cluster.get(), topic.name.c_str(), topic.partitions, replication);
        if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            throw Error(ErrorKind::kInternal,
                        "cannot create topic " + topic.name + ": " + rd_kafka_err2str(err));
        }
    }
    bootstrap_ = rd_kafka_mock_cluster_bootstraps(impl_->cluster.get());
}

MockCluster::~MockCluster() = default;

Options parse_options(const std::vector<std::string>& args) {
    Options options;
    std::vector<FieldError> errors;
    auto number = [&](const std::string& name, const std::string& text, int min, int max) {
        std::optional<int> value = parse_int(text);
        if (!value || *value < min || *value > max) {
            errors.push_back({name, "must be an integer from " + std::to_string(min) + " to " +
                                        std::to_string(max)});
            return min;
        }
        return *value;
    };
    for (std::size_t i = 0; i < args.size(); ++i) {
        const std::string& name = args[i];
        if (name != "--brokers" && name != "--partitions" && name != "--topic-prefix" &&
            name != "--port" && name != "--address-file") {
            errors.push_back({name, "unknown option"});
            continue;
        }
        if (i + 1 >= args.size()) {
            errors.push_back({name, "needs a value"});
            break;
        }
        const std::string& value = args[++i];
        if (name == "--brokers") options.brokers = number(name, value, 1, 16);
        if (name == "--partitions") options.partitions = number(name, value, 1, 1000);
        if (name == "--port") options.port = number(name, value, 0, 65535);
        if (name == "--topic-prefix") options.topic_prefix = value;
        if (name == "--address-file") options.address_file = value;
    }
    if (options.port != 0 && options.port + options.brokers - 1 > 65535) {
        errors.push_back({"--port", "leaves no room for every broker's port"});
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));
    return options;
}

std::string usage() {
    return "usage: etp-dev-broker [--brokers N] [--partitions P] [--topic-prefix PREFIX]\n"
           "                      [--port PORT] [--address-file PATH]\n"
           "\n"
           "Runs librdkafka's mock Kafka cluster with the platform's topics until SIGTERM or\n"
           "SIGINT. Prints 'bootstrap=<host:port,...>' on stdout once it listens.\n"
           "\n"
           "  --brokers N          brokers in the cluster (default 1)\n"
           "  --partitions P       partitions per topic (default 16; at most 5 MiB each)\n"
           "  --topic-prefix S     topic name prefix (default etp.)\n"
           "  --port PORT          first broker's port, the others follow (default 0: any)\n"
           "  --address-file PATH  also write the bootstrap servers to PATH (atomically)\n";
}

std::string_view mock_build() { return ETP_DEV_BROKER_MOCK; }

void write_file_atomically(const std::string& path, const std::string& text) {
    const std::string tmp = path + ".tmp." + std::to_string(::getpid());
    std::FILE* file = std::fopen(tmp.c_str(), "w");
    if (file == nullptr) {
        throw Error(ErrorKind::kInternal, "cannot write " + tmp + ": " + std::strerror(errno));
    }
    const bool written = std::fwrite(text.data(), 1, text.size(), file) == text.size();
    const bool closed = std::fclose(file) == 0;
    if (!written || !closed || std::rename(tmp.c_str(), path.c_str()) != 0) {
        const int saved = errno;
        std::remove(tmp.c_str());
        throw Error(ErrorKind::kInternal, "cannot write " + path + ": " + std::strerror(saved));
    }
}

}  // namespace etp::dev_broker
