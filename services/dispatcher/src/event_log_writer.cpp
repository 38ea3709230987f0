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
                     family.Add({{"outcome", "malformed"}}), failures.Add({})};
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
            std::int64_t inserted = pg::EventStore::insert_batch(*conn, events);
            metrics().logged.Increment(static_cast<double>(inserted));
            metrics().duplicates.Increment(static_cast<double>(events.size()) - inserted);
            failing_ = false;
            return;
        } catch (const std::exception& e) {
            failing_ = true;
            metrics().write_failures.Increment();
            log::error(
                "event log write failed; retrying",
                {{"batch", events.size()}, {"error", e.what()}, {"retry_in_ms", backoff.count()}});
            // While stopping, give up on this batch: its offsets are not committed, so the next
            // member of the group writes it.
            auto until = std::chrono::steady_clock::now() + backoff;
            while (std::chrono::steady_clock::now() < until) {
                if (stopping_) throw;
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
            }
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
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
