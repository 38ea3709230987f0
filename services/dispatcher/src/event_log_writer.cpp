#include "event_log_writer.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>

#include "etp/bus/event_message.hpp"
#include "etp/bus/firing.hpp"
#include "etp/domain/error.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/event_store.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/metrics.hpp"

namespace etp::dispatcher {
namespace {

struct Metrics {
    prometheus::Counter& logged;
    prometheus::Counter& published;
    prometheus::Gauge& lag;
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
    static auto& published = prometheus::BuildCounter()
                                 .Name("etp_dispatcher_events_published_total")
                                 .Help("Logged events published on etp.events")
                                 .Register(runtime::metrics_registry());
    static auto& lag = prometheus::BuildGauge()
                           .Name("etp_dispatcher_consumer_lag")
                           .Help("Firings on etp.trigger.fired not yet consumed by this member")
                           .Register(runtime::metrics_registry());
    static Metrics m{family.Add({{"outcome", "logged"}}),
                     published.Add({}),
                     lag.Add({}),
                     family.Add({{"outcome", "duplicate"}}),
                     family.Add({{"outcome", "malformed"}}),
                     family.Add({{"outcome", "rejected"}}),
                     failures.Add({})};
    return m;
}

service::WorkerOptions worker_options() {
    service::WorkerOptions o;
    o.name = "event log writer";
    o.backoff_min = std::chrono::milliseconds(200);
    o.backoff_max = std::chrono::milliseconds(200);
    o.unhealthy_after = 0;  // check() says when writes fail
    o.failure_log = "event log writer step failed";
    return o;
}

}  // namespace

EventLogWriter::EventLogWriter(pg::Pool& pool, bus::Producer& producer, DeliveryEngine& deliveries,
                               const bus::ConsumerConfig& consumer, const bus::Topics& topics,
                               std::size_t batch_size, std::chrono::milliseconds poll_timeout)
    : Worker(worker_options()),
      pool_(pool),
      producer_(producer),
      deliveries_(deliveries),
      consumer_(consumer),
      topics_(topics),
      batch_size_(batch_size),
      poll_timeout_(poll_timeout) {
    metrics();
}

EventLogWriter::~EventLogWriter() { stop(); }

void EventLogWriter::stop() noexcept {
    Worker::stop();
    consumer_.close();
}

std::optional<std::string> EventLogWriter::check() {
    if (auto problem = Worker::check()) return problem;
    if (failing_) return "writes to the event log are failing";
    return consumer_.check(std::chrono::milliseconds(2000));
}

void EventLogWriter::maintain_partitions() noexcept {
    auto now = std::chrono::steady_clock::now();
    if (now < next_partition_check_) return;
    try {
        auto conn = pool_.acquire();
        // A safety net under retention, which keeps partitions ahead (RETENTION_PARTITIONS_AHEAD).
        auto created =
            pg::EventStore::ensure_partitions(*conn, std::chrono::hours(1), pg::kPartitionsAhead);
        if (created > 0) log::info("event partitions created", {{"count", created}});
        next_partition_check_ = now + std::chrono::minutes(10);
    } catch (const std::exception& e) {
        log::warn("event partitions not checked", {{"error", e.what()}});
        next_partition_check_ = now + std::chrono::seconds(30);
    }
}

std::vector<Event> EventLogWriter::write_until_done(const std::vector<bus::Message>& batch,
                                                    std::chrono::milliseconds lease,
                                                    std::vector<Handoff>& handoffs) {
    std::vector<Event> events;
    events.reserve(batch.size());
    for (const auto& message : batch) {
        try {
            events.push_back(bus::parse_firing_message(message));
            // A firing without a (valid) trace, from an older or outside producer, is logged
            // in the trace derived from its id: every event has one from here on.
            if (!events.back().trace) events.back().trace = trace_for_event(events.back().id);
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
            log(events, lease, handoffs);
            failing_ = false;
            return events;
        } catch (const Error& e) {
            // Rejected data (say, a string PostgreSQL cannot store) fails every retry: find the
            // rows at fault, write the others, and never let one firing block its partition.
            if (!e.retryable() && e.kind() == ErrorKind::kInvalidInput) {
                write_one_by_one(events, lease, handoffs);
                failing_ = false;
                return events;
            }
            wait_before_retry(events.size(), e.what(), backoff);
        } catch (const std::exception& e) {
            wait_before_retry(events.size(), e.what(), backoff);
        }
    }
}

void EventLogWriter::log(std::vector<Event>& events, std::chrono::milliseconds lease,
                         std::vector<Handoff>& handoffs) {
    if (events.empty()) return;
    pg::LoggedBatch logged;
    {
        auto conn = pool_.acquire();
        logged = pg::DeliveryQueue::log_events(*conn, deliveries_.secret_box(), events, lease);
    }
    metrics().logged.Increment(static_cast<double>(logged.inserted));
    metrics().duplicates.Increment(static_cast<double>(events.size()) -
                                   static_cast<double>(logged.inserted));
    const bool debug = log::enabled(log::Level::kDebug);
    for (std::size_t i = 0; i < events.size(); ++i) {
        events[i].logged_at = logged.logged_at[i];
        if (debug)
            log::debug("event logged",
                       {{"event_id", events[i].id.to_string()},
                        {"trigger_id", events[i].trigger_id.to_string()},
                        {"trace_id", events[i].trace ? events[i].trace->trace_id_hex() : ""}});
        if (logged.delivery_queued[i]) handoffs.push_back({{events[i].id, 1}, events[i]});
    }
}

void EventLogWriter::wait_before_retry(std::size_t batch, const char* error,
                                       std::chrono::milliseconds& backoff) {
    failing_ = true;
    metrics().write_failures.Increment();
    log::error("event log write failed; retrying",
               {{"batch", batch}, {"error", error}, {"retry_in_ms", backoff.count()}});
    // While stopping, give up on this batch: its offsets are not committed, so the next member
    // of the group writes it.
    if (!pause(backoff))
        throw Error(ErrorKind::kUnavailable, "stopping with a batch unwritten", true);
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
}

void EventLogWriter::write_one_by_one(std::vector<Event>& events, std::chrono::milliseconds lease,
                                      std::vector<Handoff>& handoffs) {
    std::vector<Event> kept;
    for (Event& event : events) {
        std::vector<Event> one{std::move(event)};
        auto backoff = std::chrono::milliseconds(100);
        while (true) {
            try {
                log(one, lease, handoffs);
                kept.push_back(std::move(one.front()));
                break;
            } catch (const Error& e) {
                if (!e.retryable() && e.kind() == ErrorKind::kInvalidInput) {
                    metrics().rejected.Increment();
                    log::error("firing rejected by the event log; skipped",
                               {{"event_id", one.front().id.to_string()},
                                {"trigger_id", one.front().trigger_id.to_string()},
                                {"trace_id", one.front().trace ? one.front().trace->trace_id_hex()
                                                               : std::string()},
                                {"error", e.what()}});
                    break;
                }
                wait_before_retry(1, e.what(), backoff);
            } catch (const std::exception& e) {
                wait_before_retry(1, e.what(), backoff);
            }
        }
    }
    events = std::move(kept);
}

void EventLogWriter::publish_until_done(const std::vector<Event>& events) {
    // Every logged event of the batch, replays included: a crash after logging but before
    // publishing must not lose the publication, so consumers may see a repeat (same id).
    std::vector<const Event*> todo;
    todo.reserve(events.size());
    for (const Event& e : events) todo.push_back(&e);
    auto backoff = std::chrono::milliseconds(100);
    while (!todo.empty()) {
        std::mutex mutex;
        std::condition_variable cv;
        std::size_t outstanding = 0;
        std::vector<const Event*> failed;
        std::string last_error;
        for (const Event* e : todo) {
            try {
                {
                    std::lock_guard lock(mutex);
                    ++outstanding;
                }
                producer_.produce(bus::make_event_message(topics_, *e),
                                  [&, e](std::optional<Error> error) {
                                      std::lock_guard lock(mutex);
                                      if (error) {
                                          failed.push_back(e);
                                          last_error = error->what();
                                      }
                                      if (--outstanding == 0) cv.notify_all();
                                  });
            } catch (const std::exception& ex) {
                std::lock_guard lock(mutex);
                --outstanding;
                failed.push_back(e);
                last_error = ex.what();
            }
        }
        {
            std::unique_lock lock(mutex);
            cv.wait(lock, [&] { return outstanding == 0; });
        }
        metrics().published.Increment(static_cast<double>(todo.size() - failed.size()));
        todo = std::move(failed);
        if (!todo.empty()) wait_before_retry(todo.size(), last_error.c_str(), backoff);
    }
}

std::chrono::milliseconds EventLogWriter::step(std::size_t /*thread*/) {
    maintain_partitions();
    std::vector<bus::Message> batch = consumer_.poll(batch_size_, poll_timeout_);
    metrics().lag.Set(static_cast<double>(consumer_.lag()));
    if (batch.empty()) return std::chrono::milliseconds(0);
    // Deliveries go straight to the engine when it has room; otherwise their rows are due at
    // once and the engine's poller takes them when it has.
    bool handing_off = deliveries_.try_reserve(batch.size());
    auto lease = handing_off ? deliveries_.lease() : std::chrono::milliseconds(0);
    std::vector<Handoff> handoffs;
    std::vector<Event> logged = write_until_done(batch, lease, handoffs);
    if (handing_off) deliveries_.submit(std::move(handoffs), batch.size());
    publish_until_done(logged);
    consumer_.commit(batch);
    return std::chrono::milliseconds(0);
}

}  // namespace etp::dispatcher
