#pragma once
// Private to libs/bus: RAII holders for librdkafka's C handles, configuration building and the
// log/error callbacks shared by the producer and the consumer. Never include from a public
// header (it pulls in rdkafka.h).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "etp/runtime/kafka_properties.hpp"
#include "etp/runtime/rate_limiter.hpp"

namespace etp::bus::detail {

struct ConfDeleter {
    void operator()(rd_kafka_conf_t* conf) const noexcept { rd_kafka_conf_destroy(conf); }
};
struct TopicPartitionListDeleter {
    void operator()(rd_kafka_topic_partition_list_t* list) const noexcept {
        rd_kafka_topic_partition_list_destroy(list);
    }
};
struct MessageDeleter {
    void operator()(rd_kafka_message_t* message) const noexcept {
        rd_kafka_message_destroy(message);
    }
};
struct HeadersDeleter {
    void operator()(rd_kafka_headers_t* headers) const noexcept {
        rd_kafka_headers_destroy(headers);
    }
};
struct MetadataDeleter {
    void operator()(const rd_kafka_metadata_t* metadata) const noexcept {
        rd_kafka_metadata_destroy(metadata);
    }
};
struct QueueDeleter {
    void operator()(rd_kafka_queue_t* queue) const noexcept { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
    void operator()(rd_kafka_event_t* event) const noexcept { rd_kafka_event_destroy(event); }
};
struct ErrorDeleter {
    void operator()(rd_kafka_error_t* error) const noexcept { rd_kafka_error_destroy(error); }
};
struct AdminOptionsDeleter {
    void operator()(rd_kafka_AdminOptions_t* options) const noexcept {
        rd_kafka_AdminOptions_destroy(options);
    }
};
struct NewTopicDeleter {
    void operator()(rd_kafka_NewTopic_t* topic) const noexcept { rd_kafka_NewTopic_destroy(topic); }
};
struct ConfigResourceDeleter {
    void operator()(rd_kafka_ConfigResource_t* resource) const noexcept {
        rd_kafka_ConfigResource_destroy(resource);
    }
};
// Producers are destroyed plainly; consumers close explicitly (bounded) before, so their
// destroy must not try to close again.
struct KafkaDeleter {
    int flags = 0;
    void operator()(rd_kafka_t* rk) const noexcept { rd_kafka_destroy_flags(rk, flags); }
};

using ConfPtr = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;
using TopicPartitionListPtr =
    std::unique_ptr<rd_kafka_topic_partition_list_t, TopicPartitionListDeleter>;
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;
using HeadersPtr = std::unique_ptr<rd_kafka_headers_t, HeadersDeleter>;
using MetadataPtr = std::unique_ptr<const rd_kafka_metadata_t, MetadataDeleter>;
using QueuePtr = std::unique_ptr<rd_kafka_queue_t, QueueDeleter>;
using EventPtr = std::unique_ptr<rd_kafka_event_t, EventDeleter>;
using ErrorPtr = std::unique_ptr<rd_kafka_error_t, ErrorDeleter>;
using KafkaPtr = std::unique_ptr<rd_kafka_t, KafkaDeleter>;
using AdminOptionsPtr = std::unique_ptr<rd_kafka_AdminOptions_t, AdminOptionsDeleter>;
using NewTopicPtr = std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>;
using ConfigResourcePtr = std::unique_ptr<rd_kafka_ConfigResource_t, ConfigResourceDeleter>;

// State the log and error callbacks need; set as the conf's opaque, so it must outlive the
// rd_kafka_t created from that conf. The members are set before the handle exists; the
// security failure is thread-safe (guarded by security_mutex_).
struct ClientContext {
    std::string role;  // "producer" or "consumer", stamped on log lines
    runtime::RateLimiter limiter{std::chrono::seconds(5)};
    // Called (on a librdkafka thread or the polling thread) once per fatal error. Must not
    // throw.
    std::function<void(const std::string& reason)> on_fatal;
    void* owner = nullptr;  // the Producer/Consumer impl, for callbacks that need more
    // The client's properties (set by make_conf): their secret values are replaced by *** in
    // everything logged or thrown.
    runtime::KafkaProperties properties;

    std::string redact(std::string text) const {
        return runtime::redact_kafka_secrets(std::move(text), properties);
    }
    // The last authentication or TLS failure, as readiness reports it; "" once a broker
    // answered or the connection failed for another reason since.
    std::string security_failure() const;
    void set_security_failure(std::string reason);
    void clear_security_failure();

 private:
    mutable std::mutex security_mutex_;
    std::string security_failure_;
};

// Set on every client unless its properties say otherwise: librdkafka reconnects by itself,
// waiting from reconnect.backoff.ms doubling up to reconnect.backoff.max.ms between attempts,
// whatever made the last one fail (a broker down, a wrong password, an untrusted CA).
extern const std::map<std::string, std::string> kClientDefaults;

// A conf with our callbacks installed and kClientDefaults and every property set; throws
// Error(kInternal) naming the property librdkafka rejected, secrets redacted.
ConfPtr make_conf(const std::map<std::string, std::string>& properties, ClientContext& context);

// Creates the handle. On success rd_kafka_new takes ownership of the conf (the holder is
// released); on failure the conf stays ours and is destroyed by the holder. Throws
// Error(kInternal), secrets redacted with `context`.
KafkaPtr make_handle(rd_kafka_type_t type, ConfPtr conf, const ClientContext& context,
                     int destroy_flags = 0);

// A broker-only metadata request: nullopt when a broker answered within the timeout. When it
// fails after an authentication or TLS failure, that failure is the reason.
std::optional<std::string> check_metadata(rd_kafka_t* rk,
                                          std::chrono::milliseconds timeout) noexcept;

// When `code` is an authentication or TLS failure: records it as the client's readiness
// reason, logs it (one line a minute for the whole process, counting those held back) and
// returns true. Such failures are never fatal: librdkafka keeps reconnecting.
bool note_security_failure(rd_kafka_t* rk, ClientContext& context, rd_kafka_resp_err_t code,
                           const std::string& reason) noexcept;

// The reason librdkafka gives for a raised fatal error ("" if none), secrets redacted.
std::string fatal_reason(rd_kafka_t* rk);

int to_ms(std::chrono::milliseconds duration);

}  // namespace etp::bus::detail
