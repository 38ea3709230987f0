#include "event_log_writer.hpp"

#include <algorithm>

#include "etp/bus/firing.hpp"
#include "etp/domain/error.hpp"
#include "etp/pg/event_store.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/metrics.hpp"

namespace etp::dispatcher {
namespace {

struct Metrics {
    prometheus::Counter& logged;
    prometheus::Counter& duplicates;
    prometheus::Counter& malformed;
    prometheus::Counter& rejected;
    prometheus::Counter& write_failures;
};

Metrics& metrics() {
    static auto& family = prometheus::BuildCounter()
                              .Name("etp_dispatcher_firings_total")
                              .Help("Firings consumed by the dispatcher, by outcome")
                              .Register(runtime::metrics_registry());
    static auto& failures = prometheus::BuildCounter()
                                .Name("etp_dispatcher_write_failures_total")
                                .Help("Failed event-log batch writes (retried)")
                                .Register(runtime::metrics_registry());
    static Metrics m{family.Add({{"outcome", "logged"}}), family.Add({{"outcome", "duplicate"}}),
                     family.Add({{"outcome", "malformed"}}), family.Add({{"outcome", "rejected"}}),
                     failures.Add({})};
    return m;
}

}  // namespace

EventLogWriter::EventLogWriter(pg::Pool& pool, const bus::ConsumerConfig& consumer,
                               std::size_t batch_size, std::chrono::milliseconds poll_timeout)
    : pool_(pool), consumer_(consumer), batch_size_(batch_size), poll_timeout_(poll_timeout) {
    metrics();
}

EventLogWriter::~EventLogWriter() { stop(); }

void EventLogWriter::start() {
    running_ = true;
    thread_ = std::thread([this] { run(); });
}

void EventLogWriter::stop() noexcept {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    running_ = false;
    consumer_.close();
}

std::optional<std::string> EventLogWriter::check() {
    if (!running_) return "not running";
    if (failing_) return "writes to the event log are failing";
    return consumer_.check(std::chrono::milliseconds(2000));
}

void EventLogWriter::maintain_partitions() noexcept {
    auto now = std::chrono::steady_clock::now();
    if (now < next_partition_check_) return;
    try {
        auto conn = pool_.acquire();
        auto created =
            pg::EventStore::ensure_partitions(*conn, std::chrono::hours(1), std::chrono::hours(48));
        if (created > 0) log::info("event partitions created", {{"count", created}});
        next_partition_check_ = now + std::chrono::minutes(10);
    } catch (const std::exception& e) {
        log::warn("event partitions not checked", {{"error", e.what()}});
        next_partition_check_ = now + std::chrono::seconds(30);
    }
}

void EventLogWriter::write_until_done(const std::vector<bus::Message>& batch) {
    std::vector<Event> events;
    events.reserve(batch.size());
    for (const auto& message : batch) {
        try {
            events.push_back(bus::parse_firing_message(message));
        } catch (const ValidationError& e) {
            // A message no producer of ours could have written; it is logged and skipped so it
            // cannot block the partition.
            metrics().malformed.Increment();
            log::error("malformed firing skipped", {{"topic", message.topic},
                                                    {"partition", message.partition},
                                                    {"offset", message.offset},
                                                    {"error", e.what()}});
        }
    }
    auto backoff = std::chrono::milliseconds(100);
    while (true) {
        try {
            auto conn = pool_.acquire();
            record_written(events.size(), pg::EventStore::insert_batch(*conn, events));
            failing_ = false;
            return;
        } catch (const Error& e) {
            // Rejected data (say, a string PostgreSQL cannot store) fails every retry: find the
            // rows at fault, write the others, and never let one firing block its partition.
            if (!e.retryable() && e.kind() == ErrorKind::kInvalidInput) {
                write_one_by_one(events);
                failing_ = false;
                return;
            }
            wait_before_retry(events.size(), e.what(), backoff);
        } catch (const std::exception& e) {
            wait_before_retry(events.size(), e.what(), backoff);
        }
    }
}

void EventLogWriter::record_written(std::size_t batch, std::int64_t inserted) {
    metrics().logged.Increment(static_cast<double>(inserted));
    metrics().duplicates.Increment(static_cast<double>(batch) - static_cast<double>(inserted));
}

void EventLogWriter::wait_before_retry(std::size_t batch, const char* error,
                                       std::chrono::milliseconds& backoff) {
    failing_ = true;
    metrics().write_failures.Increment();
    log::error("event log write failed; retrying",
               {{"batch", batch}, {"error", error}, {"retry_in_ms", backoff.count()}});
    // While stopping, give up on this batch: its offsets are not committed, so the next member
    // of the group writes it.
    auto until = std::chrono::steady_clock::now() + backoff;
    while (std::chrono::steady_clock::now() < until) {
        if (stopping_)
            throw Error(ErrorKind::kUnavailable, "stopping with a batch unwritten", true);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
}

void EventLogWriter::write_one_by_one(const std::vector<Event>& events) {
    for (const Event& event : events) {
        std::vector<Event> one{event};
        auto backoff = std::chrono::milliseconds(100);
        while (true) {
            try {
                auto conn = pool_.acquire();
                record_written(1, pg::EventStore::insert_batch(*conn, one));
                break;
            } catch (const Error& e) {
                if (!e.retryable() && e.kind() == ErrorKind::kInvalidInput) {
                    metrics().rejected.Increment();
                    log::error("firing rejected by the event log; skipped",
                               {{"event_id", event.id.to_string()},
                                {"trigger_id", event.trigger_id.to_string()},
                                {"error", e.what()}});
                    break;
                }
                wait_before_retry(1, e.what(), backoff);
            } catch (const std::exception& e) {
                wait_before_retry(1, e.what(), backoff);
            }
        }
    }
}

void EventLogWriter::run() noexcept {
    log::info("event log writer started");
    while (!stopping_) {
        maintain_partitions();
        try {
            std::vector<bus::Message> batch = consumer_.poll(batch_size_, poll_timeout_);
            if (batch.empty()) continue;
            write_until_done(batch);
            consumer_.commit(batch);
        } catch (const std::exception& e) {
            if (stopping_) break;
            log::error("event log writer step failed", {{"error", e.what()}});
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
        }
    }
    log::info("event log writer stopped");
}

}  // namespace etp::dispatcher
