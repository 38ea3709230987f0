#pragma once
// Where the delivery engine's jobs come from: deliveries handed over by the event-log writer
// (their rows inserted leased to this process), and due rows the poller claims from the deliveries
// table (retries, redeliveries, deliveries of a dispatcher that died). Either way each job gets
// its trigger's settings, read per batch, and its body. handed_over() runs on the writer's thread
// (DeliveryEngine::submit), claim() on the engine's poll loop; they may run at once, each call
// with its own lookups and connections.

#include <chrono>
#include <cstddef>
#include <functional>
#include <vector>

#include "delivery_job.hpp"
#include "delivery_recorder.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/pool.hpp"

namespace etp::dispatcher {

class DeliveryPoller {
 public:
    // Rows claimed per query.
    static constexpr std::size_t kClaimBatch = 500;

    struct Claimed {
        std::size_t rows = 0;  // claimed, ours already and abandoned ones included
        std::vector<DeliveryJob> jobs;
    };

    DeliveryPoller(pg::Pool& pool, DeliveryRecorder& recorder, const secrets::SecretBox& box,
                   std::chrono::milliseconds lease)
        : pool_(pool), recorder_(recorder), box_(box), lease_(lease) {}

    // The jobs of handed-over deliveries. One whose settings cannot be read or whose target was
    // removed since logging is left out: its row stays leased, and once the lease runs out
    // claim() takes it.
    std::vector<DeliveryJob> handed_over(std::vector<Handoff> handoffs);
    // Claims up to min(limit, kClaimBatch) due deliveries, leasing them. Those `held` says this
    // process holds already (the claim renewed their lease) are skipped; those whose event or
    // trigger is gone are abandoned. Throws etp::Error when PostgreSQL fails.
    Claimed claim(std::size_t limit, const std::function<bool(const pg::DeliveryKey&)>& held);
    // Sets the retry queue's depth gauge. Throws etp::Error when PostgreSQL fails.
    void update_queue_depth();

 private:
    pg::Pool& pool_;
    DeliveryRecorder& recorder_;
    const secrets::SecretBox& box_;
    const std::chrono::milliseconds lease_;
};

}  // namespace etp::dispatcher
