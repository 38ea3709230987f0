#include "delivery_recorder.hpp"

#include <algorithm>
#include <optional>
#include <thread>

#include "delivery_metrics.hpp"
#include "etp/bus/event_message.hpp"
#include "etp/domain/error.hpp"
#include "etp/pg/outbox.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/pg/trigger_store.hpp"
#include "etp/runtime/log.hpp"

namespace etp::dispatcher {
namespace {

pg::OutboxMessage to_outbox(bus::OutgoingMessage message) {
    pg::OutboxMessage out{
        std::move(message.topic), std::move(message.key), std::move(message.value), {}};
    for (auto& h : message.headers) out.headers.emplace_back(std::move(h.key), std::move(h.value));
    return out;
}

bus::OutgoingMessage from_outbox(pg::OutboxMessage message) {
    bus::OutgoingMessage out{
        std::move(message.topic), std::move(message.key), std::move(message.value), {}};
    for (auto& [k, v] : message.headers) out.headers.push_back({std::move(k), std::move(v)});
    return out;
}

}  // namespace

void DeliveryRecorder::record(const std::vector<FinishedAttempt>& batch,
                              const std::function<bool()>& give_up,
                              const std::function<void()>& between_tries) {
    auto backoff = std::chrono::milliseconds(100);
    while (true) {
        try {
            // A dead delivery's message goes into the outbox in the same transaction as its
            // row: Kafka being away neither blocks this nor loses the message.
            std::vector<std::pair<pg::DeliveryKey, pg::OutboxMessage>> dead_letters;
            for (const auto& f : batch) {
                if (f.outcome.status != "dead") continue;
                bus::DeadDelivery dead{*f.event,
                                       f.outcome.key.number,
                                       f.outcome.attempt,
                                       f.outcome.http_status,
                                       f.outcome.error.value_or(""),
                                       f.target_url};
                dead_letters.emplace_back(
                    f.outcome.key, to_outbox(bus::make_dead_delivery_message(topics_, dead)));
            }
            std::vector<pg::AttemptOutcome> outcomes;
            outcomes.reserve(batch.size());
            for (const auto& f : batch) outcomes.push_back(f.outcome);
            {
                auto conn = pool_.acquire();
                pg::DeliveryQueue::record(*conn, outcomes, dead_letters);
            }
            failing_ = false;
            break;
        } catch (const std::exception& e) {
            failing_ = true;
            log::error("webhook attempts not recorded; retrying",
                       {{"count", batch.size()}, {"error", e.what()}});
            // While stopping, give up: the rows stay pending and are attempted again later.
            if (give_up()) break;
            between_tries();
            std::this_thread::sleep_for(backoff);
            // Well within a lease: what is recorded late must be recorded before the other
            // dispatchers claim again (see DeliveryEngine::poll_loop()).
            backoff = std::min(
                {backoff * 2, std::chrono::milliseconds(5000),
                 std::max<std::chrono::milliseconds>(lease_ / 4, std::chrono::milliseconds(100))});
        }
    }
    disable_gone_targets(batch);
    for (const auto& f : batch) {
        const auto& o = f.outcome;
        if (o.status == "succeeded") count_delivery("succeeded");
        if (o.status == "dead") {
            count_delivery("dead");
            log::warn("delivery dead", {{"event_id", o.key.event_id.to_string()},
                                        {"delivery", o.key.number},
                                        {"attempts", o.attempt},
                                        {"error", o.error.value_or("")},
                                        {"trace_id", trace_of_event(*f.event).trace_id_hex()}});
        }
        if (o.status == "pending") count_delivery("retried");
    }
}

void DeliveryRecorder::disable_gone_targets(const std::vector<FinishedAttempt>& batch) {
    for (const auto& f : batch) {
        // An unsaved definition's test has no trigger to disable.
        if (f.outcome.http_status != 410 || f.event->target) continue;
        const std::string reason = "410 Gone from " + f.target_url;
        try {
            auto conn = pool_.acquire();
            if (pg::TriggerStore::disable_target(*conn, f.event->trigger_id, reason))
                log::warn("webhook target disabled",
                          {{"trigger_id", f.event->trigger_id.to_string()}, {"reason", reason}});
        } catch (const std::exception& e) {
            // The next 410 tries again.
            log::warn("webhook target not disabled",
                      {{"trigger_id", f.event->trigger_id.to_string()}, {"error", e.what()}});
        }
    }
}

void DeliveryRecorder::abandon(const pg::ClaimedDelivery& claimed, const std::string& reason,
                               const Event* event) {
    std::optional<pg::OutboxMessage> message;
    if (event) {
        bus::DeadDelivery dead{*event, claimed.key.number, claimed.attempts, std::nullopt, reason,
                               ""};
        message = to_outbox(bus::make_dead_delivery_message(topics_, dead));
    }
    auto conn = pool_.acquire();
    pg::DeliveryQueue::abandon(*conn, claimed.key, reason, message);
    count_delivery("dead");
    log::warn("delivery abandoned",
              {{"event_id", claimed.key.event_id.to_string()},
               {"delivery", claimed.key.number},
               {"reason", reason},
               {"trace_id", event ? trace_of_event(*event).trace_id_hex() : std::string()}});
}

void DeliveryRecorder::renew(const std::vector<pg::DeliveryKey>& keys) {
    if (keys.empty()) return;
    try {
        auto conn = pool_.acquire();
        pg::DeliveryQueue::renew(*conn, keys, lease_);
    } catch (const std::exception& e) {
        log::warn("delivery leases not renewed", {{"count", keys.size()}, {"error", e.what()}});
    }
}

void DeliveryRecorder::release(const std::vector<pg::DeliveryKey>& keys) noexcept {
    if (keys.empty()) return;
    try {
        auto conn = pool_.acquire(std::chrono::milliseconds(1000));
        pg::DeliveryQueue::renew(*conn, keys, std::chrono::milliseconds(0));
        log::info("queued deliveries released", {{"count", keys.size()}});
    } catch (const std::exception& e) {
        log::warn("queued deliveries not released; they resume when their lease runs out",
                  {{"count", keys.size()}, {"error", e.what()}});
    }
}

std::size_t DeliveryRecorder::publish_outbox() {
    auto conn = pool_.acquire();
    pg::Transaction tx(*conn);
    auto entries = pg::Outbox::lock_oldest(*conn, 100);
    std::vector<std::int64_t> sent;
    std::optional<Error> failed;
    for (auto& entry : entries) {
        try {
            producer_.produce_sync(from_outbox(std::move(entry.message)));
        } catch (const Error& e) {
            failed = e;
            break;
        }
        sent.push_back(entry.id);
    }
    // What was sent is deleted even when a later message failed, so it is not sent twice.
    pg::Outbox::remove(*conn, sent);
    tx.commit();
    if (failed) throw *failed;
    if (!sent.empty()) log::info("dead-delivery messages published", {{"count", sent.size()}});
    return sent.size();
}

}  // namespace etp::dispatcher
