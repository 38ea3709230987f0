#pragma once
// Idempotent Kafka producer (enable.idempotence=true, acks=all) over librdkafka. Thread-safe:
// any thread may produce. An internal thread polls for delivery reports and runs callbacks.
// librdkafka's log lines go to etp::log. A fatal producer error is logged and makes every
// further produce throw; a wrong password or an untrusted certificate is not fatal: logged
// once, reported by check(), retried by librdkafka.

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "etp/bus/message.hpp"
#include "etp/domain/error.hpp"

namespace etp::bus {

struct ProducerConfig {
    std::string brokers;
    std::string client_id = "etp";
    // 0 for request paths that wait for their own ack (see STACK-NOTES: linger costs latency);
    // a few ms for throughput paths that do not wait.
    int linger_ms = 0;
    std::chrono::milliseconds delivery_timeout{10000};
    // Any librdkafka property (runtime::CommonConfig::kafka_properties, tuning); wins over the
    // settings above. Secret values are redacted from everything the client logs or throws.
    std::map<std::string, std::string> extra;
};

class Producer {
 public:
    // Called exactly once per message on the producer's delivery thread: nullopt when the
    // broker acknowledged, else the error (kUnavailable, retryable). Must not block.
    using DeliveryCallback = std::function<void(std::optional<Error>)>;

    explicit Producer(const ProducerConfig& config);  // throws Error(kInternal) on bad config
    ~Producer();                                      // flushes (bounded), then destroys
    Producer(const Producer&) = delete;
    Producer& operator=(const Producer&) = delete;

    // Enqueues. Throws Error(kUnavailable) when the local queue stays full or the producer
    // hit a fatal error; `done` is then not called.
    void produce(OutgoingMessage message, DeliveryCallback done);
    // Produces and blocks until acknowledged; throws Error(kUnavailable) on failure/timeout.
    void produce_sync(OutgoingMessage message);
    // Waits for all outstanding deliveries; true when none is left.
    bool flush(std::chrono::milliseconds timeout) noexcept;
    // Cluster metadata round-trip: nullopt when a broker answers, else the reason ("kafka
    // authentication failed: ..." or "kafka TLS handshake failed: ..." when that is why not).
    std::optional<std::string> check(std::chrono::milliseconds timeout) noexcept;

 private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace etp::bus
