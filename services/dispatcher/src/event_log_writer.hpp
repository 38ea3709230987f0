#pragma once
// The dispatcher's consume → log → publish → commit loop. A batch of firings is written in one
// transaction that logs the events idempotently (ON CONFLICT DO NOTHING on the event id) and
// queues the first webhook delivery of each; the stored events are then published on
// etp.events, and the batch's offsets are committed only after both: a crash in between
// replays the batch, which the conflict clauses turn into a no-op for the log and the queue
// and a repeat (same CloudEvent id) on etp.events. A batch that cannot be written is retried
// with backoff, never skipped. The queued deliveries go straight to the delivery engine when
// it has room. A service::Worker: its own thread; start()/stop() from the owner's thread. Owns
// the consumer: stop() finishes the batch in hand, then leaves the group.

#include <atomic>
#include <chrono>

#include "delivery_engine.hpp"
#include "etp/bus/consumer.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/event.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/worker.hpp"

namespace etp::dispatcher {

class EventLogWriter : public service::Worker {
 public:
    // Subscribes at construction; throws etp::Error on bad consumer configuration.
    EventLogWriter(pg::Pool& pool, bus::Producer& producer, DeliveryEngine& deliveries,
                   const bus::ConsumerConfig& consumer, const bus::Topics& topics,
                   std::size_t batch_size, std::chrono::milliseconds poll_timeout);
    ~EventLogWriter() override;

    // Finishes the batch in hand (a failing write gives up at once), then leaves the group.
    void stop() noexcept override;
    // Readiness: nullopt while the loop runs, its writes succeed and the broker answers.
    std::optional<std::string> check();

 private:
    // One poll → log → publish → commit.
    std::chrono::milliseconds step(std::size_t thread) override;
    // Logs the batch's firings; returns them as logged (rejected ones left out).
    std::vector<Event> write_until_done(const std::vector<bus::Message>& batch,
                                        std::chrono::milliseconds lease,
                                        std::vector<Handoff>& handoffs);
    void write_one_by_one(std::vector<Event>& events, std::chrono::milliseconds lease,
                          std::vector<Handoff>& handoffs);
    // One write; fills logged_at and hands queued deliveries to `handoffs`.
    void log(std::vector<Event>& events, std::chrono::milliseconds lease,
             std::vector<Handoff>& handoffs);
    void publish_until_done(const std::vector<Event>& events);
    // Counts the failure, logs it, sleeps `backoff` (then doubles it, up to 5 s); throws when
    // stopping so the batch is left uncommitted for the next member of the group.
    void wait_before_retry(std::size_t batch, const char* error,
                           std::chrono::milliseconds& backoff);
    void maintain_partitions() noexcept;

    pg::Pool& pool_;
    bus::Producer& producer_;
    DeliveryEngine& deliveries_;
    bus::Consumer consumer_;
    const bus::Topics topics_;
    const std::size_t batch_size_;
    const std::chrono::milliseconds poll_timeout_;
    std::chrono::steady_clock::time_point next_partition_check_{};
    std::atomic<bool> failing_{false};
};

}  // namespace etp::dispatcher
