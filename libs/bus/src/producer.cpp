#include "etp/bus/producer.hpp"

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "etp/bus/ack_batch.hpp"
#include "etp/runtime/log.hpp"
#include "rdkafka_support.hpp"

namespace etp::bus {

using detail::HeadersPtr;
using detail::KafkaPtr;

struct Producer::Impl {
    explicit Impl(const ProducerConfig& config);
    ~Impl();

    void produce(OutgoingMessage message, DeliveryCallback done);
    bool flush(std::chrono::milliseconds timeout) noexcept;
    void poll_loop() noexcept;
    void delivered(rd_kafka_message_t* message) noexcept;

    static void on_delivery(rd_kafka_t* rk, const rd_kafka_message_t* message,
                            void* opaque) noexcept;

    ProducerConfig config_;
    detail::ClientContext context_;

    std::mutex mutex_;  // guards fatal_reason_ and outstanding_; signals drained_
    std::condition_variable drained_;
    std::string fatal_reason_;
    std::size_t outstanding_ = 0;  // enqueued, callback not yet run
    std::atomic<bool> failed_{false};
    std::atomic<bool> stopping_{false};

    // Callbacks reach the members above through context_; the handle and the thread that
    // serves them are declared last so they are gone before those members.
    KafkaPtr rk_;
    std::thread poller_;
};

Producer::Impl::Impl(const ProducerConfig& config) : config_(config) {
    context_.role = "producer";
    context_.owner = this;
    context_.on_fatal = [this](const std::string& reason) {
        {
            std::lock_guard lock(mutex_);
            fatal_reason_ = reason;
        }
        failed_ = true;
    };
    std::map<std::string, std::string> properties = {
        {"bootstrap.servers", config.brokers},
        {"client.id", config.client_id},
        {"enable.idempotence", "true"},
        {"acks", "all"},
        {"linger.ms", std::to_string(config.linger_ms)},
        {"delivery.timeout.ms", std::to_string(config.delivery_timeout.count())},
        {"message.timeout.ms", std::to_string(config.delivery_timeout.count())},
    };
    for (const auto& [name, value] : config.extra) properties[name] = value;
    detail::ConfPtr conf = detail::make_conf(properties, context_);
    rd_kafka_conf_set_dr_msg_cb(conf.get(), &Impl::on_delivery);
    rk_ = detail::make_handle(RD_KAFKA_PRODUCER, std::move(conf), context_);
    poller_ = std::thread([this] { poll_loop(); });
}

Producer::Impl::~Impl() {
    if (!flush(std::chrono::seconds(5))) {
        // Give every message still queued or in flight its one callback (with an error)
        // instead of dropping it silently in rd_kafka_destroy.
        std::size_t left = 0;
        {
            std::lock_guard lock(mutex_);
            left = outstanding_;
        }
        log::warn("kafka producer closing with undelivered messages",
                  {{"client", config_.client_id}, {"count", left}});
        rd_kafka_purge(rk_.get(), RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
        flush(std::chrono::seconds(1));
    }
    stopping_ = true;
    poller_.join();
    // Reports produced after the poller stopped (a purge racing the join) still own heap
    // callbacks: serve them here.
    rd_kafka_poll(rk_.get(), 0);
}

void Producer::Impl::poll_loop() noexcept {
    while (!stopping_.load()) rd_kafka_poll(rk_.get(), 100);
}

void Producer::Impl::on_delivery(rd_kafka_t* /*rk*/, const rd_kafka_message_t* message,
                                 void* opaque) noexcept {
    auto* context = static_cast<detail::ClientContext*>(opaque);
    static_cast<Impl*>(context->owner)->delivered(const_cast<rd_kafka_message_t*>(message));
}

void Producer::Impl::delivered(rd_kafka_message_t* message) noexcept {
    // produce() handed this callback over as the message's opaque; we own it again now.
    std::unique_ptr<DeliveryCallback> done(static_cast<DeliveryCallback*>(message->_private));
    std::optional<Error> error;
    if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        error.emplace(ErrorKind::kUnavailable,
                      std::string("kafka delivery failed: ") + rd_kafka_err2str(message->err),
                      true);
    }
    if (done && *done) {
        try {
            (*done)(std::move(error));
        } catch (const std::exception& e) {
            log::error("kafka delivery callback threw",
                       {{"topic", rd_kafka_topic_name(message->rkt)}, {"error", e.what()}});
        }
    }
    done.reset();
    {
        std::lock_guard lock(mutex_);
        --outstanding_;
    }
    drained_.notify_all();
}

void Producer::Impl::produce(OutgoingMessage message, DeliveryCallback done) {
    if (failed_.load()) {
        std::lock_guard lock(mutex_);
        throw Error(ErrorKind::kUnavailable, "kafka producer failed: " + fatal_reason_, false);
    }
    HeadersPtr headers;
    if (!message.headers.empty()) {
        headers.reset(rd_kafka_headers_new(message.headers.size()));
        for (const auto& h : message.headers) {
            rd_kafka_header_add(headers.get(), h.key.data(), static_cast<ssize_t>(h.key.size()),
                                h.value.data(), static_cast<ssize_t>(h.value.size()));
        }
    }
    auto callback = std::make_unique<DeliveryCallback>(std::move(done));
    void* value = message.value ? message.value->data() : nullptr;
    const std::size_t value_size = message.value ? message.value->size() : 0;
    {
        std::lock_guard lock(mutex_);
        ++outstanding_;
    }
    const auto give_up_at = std::chrono::steady_clock::now() + std::chrono::seconds(1);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR_NO_ERROR;
    for (;;) {
        err =
            rd_kafka_producev(rk_.get(), RD_KAFKA_V_TOPIC(message.topic.c_str()),
                              RD_KAFKA_V_KEY(message.null_key ? nullptr : message.key.data(),
                                             message.null_key ? 0 : message.key.size()),
                              RD_KAFKA_V_VALUE(value, value_size),
                              RD_KAFKA_V_HEADERS(headers.get()), RD_KAFKA_V_OPAQUE(callback.get()),
                              RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END);
        if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL ||
            std::chrono::steady_clock::now() >= give_up_at) {
            break;
        }
        // The poller drains delivery reports meanwhile; wait for room.
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        // librdkafka owns the headers now, and the callback until the delivery report.
        (void)headers.release();
        (void)callback.release();
        return;
    }
    {
        std::lock_guard lock(mutex_);
        --outstanding_;
    }
    drained_.notify_all();
    const std::string reason =
        std::string("kafka produce to ") + message.topic + " failed: " + rd_kafka_err2str(err);
    switch (err) {
        case RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE:
            throw Error(ErrorKind::kInvalidInput, reason);
        case RD_KAFKA_RESP_ERR__FATAL:
            failed_ = true;
            throw Error(ErrorKind::kUnavailable, reason + ": " + detail::fatal_reason(rk_.get()));
        default:
            throw Error(ErrorKind::kUnavailable, reason, true);
    }
}

bool Producer::Impl::flush(std::chrono::milliseconds timeout) noexcept {
    // Wait for the poller to serve every report, so callbacks run only on its thread.
    std::unique_lock lock(mutex_);
    return drained_.wait_for(lock, timeout, [this] { return outstanding_ == 0; });
}

Producer::Producer(const ProducerConfig& config) : impl_(std::make_unique<Impl>(config)) {}

Producer::~Producer() = default;

void Producer::produce(OutgoingMessage message, DeliveryCallback done) {
    impl_->produce(std::move(message), std::move(done));
}

void Producer::produce_sync(OutgoingMessage message) {
    const std::string topic = message.topic;
    AckBatch batch(*this);
    batch.produce(std::move(message));
    const AckResult result = batch.wait(std::chrono::steady_clock::now() +
                                        impl_->config_.delivery_timeout + std::chrono::seconds(1));
    if (result.unanswered > 0)
        throw Error(ErrorKind::kUnavailable,
                    "kafka delivery to " + topic + " not acknowledged in time", true);
    if (result.failed > 0) throw Error(ErrorKind::kUnavailable, result.last_error, true);
}

bool Producer::flush(std::chrono::milliseconds timeout) noexcept { return impl_->flush(timeout); }

std::optional<std::string> Producer::check(std::chrono::milliseconds timeout) noexcept {
    return detail::check_metadata(impl_->rk_.get(), timeout);
}

}  // namespace etp::bus
