#include "etp/bus/consumer.hpp"

#include <utility>

#include "etp/runtime/check.hpp"
#include "etp/runtime/log.hpp"
#include "rdkafka_support.hpp"

namespace etp::bus {

using detail::KafkaPtr;
using detail::MessagePtr;
using detail::TopicPartitionListPtr;

namespace {

// Longest close() waits for the group to let the member go.
constexpr std::chrono::seconds kCloseTimeout{10};

Message to_message(const rd_kafka_message_t& m) {
    Message out;
    out.topic = rd_kafka_topic_name(m.rkt);
    out.partition = m.partition;
    out.offset = m.offset;
    if (m.key != nullptr) out.key.emplace(static_cast<const char*>(m.key), m.key_len);
    if (m.payload != nullptr) out.value.emplace(static_cast<const char*>(m.payload), m.len);
    rd_kafka_headers_t* headers = nullptr;  // owned by the message
    if (rd_kafka_message_headers(&m, &headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        std::size_t size = 0;
        for (std::size_t i = 0; rd_kafka_header_get_all(headers, i, &name, &value, &size) ==
                                RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
            out.headers.push_back({name, value != nullptr
                                             ? std::string(static_cast<const char*>(value), size)
                                             : std::string()});
        }
    }
    rd_kafka_timestamp_type_t type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE;
    out.timestamp_ms = rd_kafka_message_timestamp(&m, &type);
    return out;
}

}  // namespace

struct Consumer::Impl {
    explicit Impl(const ConsumerConfig& config);

    std::vector<Message> poll(std::size_t max_messages, std::chrono::milliseconds timeout);
    void handle_error(const rd_kafka_message_t& m);
    void commit(const std::vector<Message>& processed);
    void close() noexcept;

    ConsumerConfig config_;
    detail::ClientContext context_;
    bool closed_ = false;
    // Declared last: its callbacks use context_. close() leaves the group first, so destroy
    // must not close again.
    KafkaPtr rk_;
};

Consumer::Impl::Impl(const ConsumerConfig& config) : config_(config) {
    context_.role = "consumer";
    context_.owner = this;
    // A fatal error is logged by the error callback and surfaces from poll(); nothing to mark.
    std::map<std::string, std::string> properties = {
        {"bootstrap.servers", config.brokers},
        {"group.id", config.group_id},
        {"client.id", config.client_id},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"auto.offset.reset", config.auto_offset_reset},
        {"session.timeout.ms", std::to_string(config.session_timeout.count())},
    };
    for (const auto& [name, value] : config.extra) properties[name] = value;
    rk_ = detail::make_handle(RD_KAFKA_CONSUMER, detail::make_conf(properties, context_), context_,
                              RD_KAFKA_DESTROY_F_NO_CONSUMER_CLOSE);
    // Errors and logs arrive through rd_kafka_consumer_poll from here on.
    rd_kafka_poll_set_consumer(rk_.get());

    TopicPartitionListPtr topics(
        rd_kafka_topic_partition_list_new(static_cast<int>(config.topics.size())));
    for (const auto& topic : config.topics) {
        rd_kafka_topic_partition_list_add(topics.get(), topic.c_str(), RD_KAFKA_PARTITION_UA);
    }
    if (const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), topics.get());
        err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw Error(ErrorKind::kInternal,
                    std::string("kafka subscribe failed: ") + rd_kafka_err2str(err));
    }
}

std::vector<Message> Consumer::Impl::poll(std::size_t max_messages,
                                          std::chrono::milliseconds timeout) {
    ETP_CHECK(!closed_, "kafka consumer polled after close");
    std::vector<Message> out;
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.size() < max_messages) {
        int wait_ms = 0;
        if (out.empty()) {
            wait_ms = detail::to_ms(std::chrono::ceil<std::chrono::milliseconds>(
                deadline - std::chrono::steady_clock::now()));
        }
        MessagePtr m(rd_kafka_consumer_poll(rk_.get(), wait_ms));
        if (!m) {
            if (!out.empty() || std::chrono::steady_clock::now() >= deadline) break;
            continue;
        }
        if (m->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
            handle_error(*m);
            if (out.empty() && std::chrono::steady_clock::now() >= deadline) break;
            continue;
        }
        out.push_back(to_message(*m));
    }
    return out;
}

void Consumer::Impl::handle_error(const rd_kafka_message_t& m) {
    if (m.err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
        log::debug("kafka partition end reached",
                   {{"topic", m.rkt ? rd_kafka_topic_name(m.rkt) : ""},
                    {"partition", m.partition},
                    {"offset", m.offset}});
        return;
    }
    if (m.err == RD_KAFKA_RESP_ERR__FATAL) {
        throw Error(ErrorKind::kUnavailable,
                    "kafka consumer failed: " + detail::fatal_reason(rk_.get()), false);
    }
    const std::string text = context_.redact(rd_kafka_message_errstr(&m));
    // Wrong credentials or an untrusted certificate are retried like any connection error.
    if (detail::note_security_failure(rk_.get(), context_, m.err, text)) return;
    const char* name = rd_kafka_err2name(m.err);
    auto dropped = context_.limiter.admit(std::string("consume:") + name);
    if (!dropped) return;
    nlohmann::json fields = {{"group", config_.group_id}, {"error", name}, {"detail", text}};
    if (m.rkt != nullptr) {
        fields["topic"] = rd_kafka_topic_name(m.rkt);
        fields["partition"] = m.partition;
    }
    if (*dropped > 0) fields["suppressed"] = *dropped;
    log::warn("kafka consumer error", fields);
}

void Consumer::Impl::commit(const std::vector<Message>& processed) {
    if (processed.empty()) return;
    ETP_CHECK(!closed_, "kafka consumer committed after close");
    std::map<std::pair<std::string, std::int32_t>, std::int64_t> next;
    for (const Message& m : processed) {
        auto [it, inserted] = next.try_emplace({m.topic, m.partition}, m.offset + 1);
        if (!inserted && it->second < m.offset + 1) it->second = m.offset + 1;
    }
    TopicPartitionListPtr offsets(rd_kafka_topic_partition_list_new(static_cast<int>(next.size())));
    for (const auto& [where, offset] : next) {
        rd_kafka_topic_partition_list_add(offsets.get(), where.first.c_str(), where.second)
            ->offset = offset;
    }
    rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), offsets.get(), 0 /* synchronous */);
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < offsets->cnt; ++i) {
        err = offsets->elems[i].err;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        throw Error(ErrorKind::kUnavailable,
                    std::string("kafka offset commit failed: ") + rd_kafka_err2str(err), true);
    }
}

void Consumer::Impl::close() noexcept {
    if (closed_) return;
    closed_ = true;
    // rd_kafka_consumer_close() could block for a socket timeout on a dead broker; the queue
    // variant lets us bound the wait.
    detail::QueuePtr queue(rd_kafka_queue_new(rk_.get()));
    if (detail::ErrorPtr error(rd_kafka_consumer_close_queue(rk_.get(), queue.get())); error) {
        log::warn("kafka consumer close failed",
                  {{"group", config_.group_id}, {"detail", rd_kafka_error_string(error.get())}});
        return;
    }
    const auto deadline = std::chrono::steady_clock::now() + kCloseTimeout;
    while (!rd_kafka_consumer_closed(rk_.get())) {
        if (std::chrono::steady_clock::now() >= deadline) {
            log::warn("kafka consumer close timed out", {{"group", config_.group_id}});
            return;
        }
        detail::EventPtr event(rd_kafka_queue_poll(queue.get(), 100));
    }
}

Consumer::Consumer(const ConsumerConfig& config) : impl_(std::make_unique<Impl>(config)) {}

Consumer::~Consumer() { close(); }

std::vector<Message> Consumer::poll(std::size_t max_messages, std::chrono::milliseconds timeout) {
    return impl_->poll(max_messages, timeout);
}

void Consumer::commit(const std::vector<Message>& processed) { impl_->commit(processed); }

void Consumer::close() noexcept { impl_->close(); }

std::optional<std::string> Consumer::check(std::chrono::milliseconds timeout) noexcept {
    return detail::check_metadata(impl_->rk_.get(), timeout);
}

}  // namespace etp::bus

namespace etp::bus {

std::int64_t Consumer::lag() noexcept {
    if (impl_->closed_) return 0;
    rd_kafka_topic_partition_list_t* assigned = nullptr;
    if (rd_kafka_assignment(impl_->rk_.get(), &assigned) != RD_KAFKA_RESP_ERR_NO_ERROR) return 0;
    std::int64_t total = 0;
    if (rd_kafka_position(impl_->rk_.get(), assigned) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        for (int i = 0; i < assigned->cnt; ++i) {
            const auto& tp = assigned->elems[i];
            std::int64_t low = 0;
            std::int64_t high = 0;
            // Cached from the last fetch: no broker round-trip.
            if (rd_kafka_get_watermark_offsets(impl_->rk_.get(), tp.topic, tp.partition, &low,
                                               &high) != RD_KAFKA_RESP_ERR_NO_ERROR)
                continue;
            std::int64_t position = tp.offset >= 0 ? tp.offset : low;
            if (high > position) total += high - position;
        }
    }
    rd_kafka_topic_partition_list_destroy(assigned);
    return total;
}

}  // namespace etp::bus
