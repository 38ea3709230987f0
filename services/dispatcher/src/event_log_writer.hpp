#pragma once
// The dispatcher's consume → write → commit loop. A batch of firings is written in one
// idempotent statement (ON CONFLICT DO NOTHING on the event id), and the batch's offsets are
// committed only after the database commit: a crash between the two replays the batch, which
// the conflict clause turns into a no-op. A batch that cannot be written is retried with
// backoff, never skipped. Runs on its own thread; start()/stop() from the owner's thread.
// Owns the consumer: stop() finishes the batch in hand, then leaves the group.

#include <atomic>
#include <chrono>
#include <thread>

#include "etp/bus/consumer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/event.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/service_host.hpp"

namespace etp::dispatcher {

class EventLogWriter : public service::Component {
 public:
    // Subscribes at construction; throws etp::Error on bad consumer configuration.
    EventLogWriter(pg::Pool& pool, const bus::ConsumerConfig& consumer, std::size_t batch_size,
                   std::chrono::milliseconds poll_timeout);
    ~EventLogWriter() override;

    void start() override;
    // Finishes the batch in hand (a failing write gives up at once), then leaves the group.
    void stop() noexcept override;
    // Readiness: nullopt while the loop runs, its writes succeed and the broker answers.
    std::optional<std::string> check();

 private:
    void run() noexcept;
    void write_until_done(const std::vector<bus::Message>& batch);
    void write_one_by_one(const std::vector<Event>& events);
    void record_written(std::size_t batch, std::int64_t inserted);
    // Counts the failure, logs it, sleeps `backoff` (then doubles it, up to 5 s); throws when
    // stopping so the batch is left uncommitted for the next member of the group.
    void wait_before_retry(std::size_t batch, const char* error,
                           std::chrono::milliseconds& backoff);
    void maintain_partitions() noexcept;

    pg::Pool& pool_;
    bus::Consumer consumer_;
    const std::size_t batch_size_;
    const std::chrono::milliseconds poll_timeout_;
    std::chrono::steady_clock::time_point next_partition_check_{};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> running_{false};
    std::atomic<bool> failing_{false};
    std::thread thread_;  // declared last: its body uses every member above
};

}  // namespace etp::dispatcher
