#pragma once
// What the delivery engine writes: finished attempts and the deliveries' new states (a dead
// delivery's etp.deliveries.dead message into the Kafka outbox in the same transaction), deliveries
// that cannot be attempted, lease renewals and releases; and the outbox's messages sent to Kafka,
// so a Kafka outage delays them, never the recording. Called from the engine's threads; each call
// takes its own connection. Thread-safe.

#include <atomic>
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "delivery_job.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/pool.hpp"

namespace etp::dispatcher {

class DeliveryRecorder {
 public:
    DeliveryRecorder(pg::Pool& pool, bus::Producer& producer, bus::Topics topics,
                     std::chrono::milliseconds lease)
        : pool_(pool), producer_(producer), topics_(std::move(topics)), lease_(lease) {}

    // Records the attempts, retrying with back-off while PostgreSQL fails (failing() is then
    // true) until `give_up()` says so (stopping: the rows stay pending and are attempted again
    // later); `between_tries` runs before each wait (the engine renews the leases it holds, this
    // batch's among them). Then disables the targets that answered 410 Gone and counts outcomes.
    void record(const std::vector<FinishedAttempt>& batch, const std::function<bool()>& give_up,
                const std::function<void()>& between_tries);
    // Ends a delivery that cannot be attempted (its trigger or event is gone); with `event`, its
    // dead message goes into the outbox. Throws etp::Error when PostgreSQL fails.
    void abandon(const pg::ClaimedDelivery& claimed, const std::string& reason, const Event* event);
    // Extends the leases of the deliveries held; best effort (logged).
    void renew(const std::vector<pg::DeliveryKey>& keys);
    // Makes the deliveries due at once for whoever runs next; best effort (logged).
    void release(const std::vector<pg::DeliveryKey>& keys) noexcept;
    // Sends a batch of the outbox's messages and deletes them; how many were sent. Throws
    // etp::Error when PostgreSQL or Kafka fails (what was sent is deleted all the same).
    std::size_t publish_outbox();

    bool failing() const noexcept { return failing_; }

 private:
    // A 410 Gone disables its trigger's target (TriggerStore::disable_target); best effort.
    void disable_gone_targets(const std::vector<FinishedAttempt>& batch);

    pg::Pool& pool_;
    bus::Producer& producer_;
    const bus::Topics topics_;
    const std::chrono::milliseconds lease_;
    std::atomic<bool> failing_{false};
};

}  // namespace etp::dispatcher
