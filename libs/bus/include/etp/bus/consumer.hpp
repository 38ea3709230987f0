#pragma once
// Kafka consumer-group member over librdkafka with manual commits: auto-commit is off, and an
// offset is committed only when the caller says the message's effects are durable. Not
// thread-safe: one thread polls, processes and commits.

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "etp/bus/message.hpp"
#include "etp/domain/error.hpp"

namespace etp::bus {

struct ConsumerConfig {
    std::string brokers;
    std::string group_id;
    std::vector<std::string> topics;
    std::string client_id = "etp";
    // A rejoining member waits up to this long on one machine (STACK-NOTES).
    std::chrono::milliseconds session_timeout{6000};
    std::string auto_offset_reset = "earliest";
    // Any librdkafka property (runtime::CommonConfig::kafka_properties, tuning); wins over the
    // settings above. Secret values are redacted from everything the client logs or throws.
    std::map<std::string, std::string> extra;
};

class Consumer {
 public:
    explicit Consumer(const ConsumerConfig& config);  // subscribes; throws Error(kInternal)
    ~Consumer();                                      // close()
    Consumer(const Consumer&) = delete;
    Consumer& operator=(const Consumer&) = delete;

    // Up to max_messages, waiting at most timeout for the first one. Partition EOF and
    // transient broker errors are logged, not returned, and so are authentication and TLS
    // failures, which librdkafka keeps retrying; only librdkafka's fatal errors throw Error.
    std::vector<Message> poll(std::size_t max_messages, std::chrono::milliseconds timeout);
    // Synchronously commits, per partition, the highest offset among `processed` plus one.
    // Throws Error(kUnavailable) when the commit fails (the messages will be seen again).
    void commit(const std::vector<Message>& processed);
    // Leaves the group (bounded). Idempotent.
    void close() noexcept;  // poll() or commit() after it abort (ETP_CHECK)
    // Cluster metadata round-trip: nullopt when a broker answers, else the reason ("kafka
    // authentication failed: ..." or "kafka TLS handshake failed: ..." when that is why not).
    std::optional<std::string> check(std::chrono::milliseconds timeout) noexcept;
    // Messages on the assigned partitions not yet consumed, from the offsets of the last
    // fetches (no broker round-trip). Call from the polling thread.
    std::int64_t lag() noexcept;

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace etp::bus
