#pragma once
// The dispatcher's consume → write → commit loop. A batch of firings is written in one
// idempotent statement (ON CONFLICT DO NOTHING on the event id), and the batch's offsets are
// committed only after the database commit: a crash between the two replays the batch, which
// the conflict clause turns into a no-op. A batch that cannot be written is retried with
// backoff, never skipped. Runs on its own thread; start()/stop() from the owner's thread.

#include <atomic>
#include <chrono>
#include <thread>

#include "etp/bus/consumer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/pool.hpp"

namespace etp::dispatcher {

class EventLogWriter {
 public:
    EventLogWriter(pg::Pool& pool, bus::Consumer& consumer, std::size_t batch_size,
                   std::chrono::milliseconds poll_timeout);
    ~EventLogWriter();

    void start();
    // Finishes the batch in hand (bounded by the database's own timeouts), then returns.
    void stop() noexcept;
    // True while the loop runs and its last database write succeeded.
    bool healthy() const noexcept { return running_ && !failing_; }

 private:
    void run() noexcept;
    void write_until_done(const std::vector<bus::Message>& batch);
    void maintain_partitions() noexcept;

    pg::Pool& pool_;
    bus::Consumer& consumer_;
    const std::size_t batch_size_;
    const std::chrono::milliseconds poll_timeout_;
    std::chrono::steady_clock::time_point next_partition_check_{};
    std::atomic<bool> stopping_{false};
    std::atomic<bool> running_{false};
    std::atomic<bool> failing_{false};
    std::thread thread_;  // declared last: its body uses every member above
};

}  // namespace etp::dispatcher
