#include "delivery_poller.hpp"

#include <algorithm>
#include <map>
#include <memory>

#include "delivery_metrics.hpp"
#include "etp/runtime/log.hpp"

namespace etp::dispatcher {

std::vector<DeliveryJob> DeliveryPoller::handed_over(std::vector<Handoff> handoffs) {
    std::vector<DeliveryJob> jobs;
    jobs.reserve(handoffs.size());
    BatchSettings lookups(pool_, box_);
    std::map<EventId, std::shared_ptr<const std::string>> cloudevents;
    for (auto& h : handoffs) {
        DeliveryJob job;
        job.key = h.key;
        std::shared_ptr<const DeliverySettings> settings;
        try {
            settings = h.event.target ? lookups.inline_for(h.key, *h.event.target)
                                      : lookups.get(h.event.trigger_id);
        } catch (const std::exception& e) {
            // The row stays leased; once the lease runs out the poller takes it.
            log::warn("delivery settings not read; left to the retry poller",
                      {{"event_id", h.key.event_id.to_string()}, {"error", e.what()}});
            continue;
        }
        if (!settings) continue;  // target removed since logging; the poller will settle it
        job.settings = std::move(settings);
        job.event = std::make_shared<const Event>(std::move(h.event));
        set_body(job, cloudevents);
        jobs.push_back(std::move(job));
    }
    return jobs;
}

DeliveryPoller::Claimed DeliveryPoller::claim(
    std::size_t limit, const std::function<bool(const pg::DeliveryKey&)>& held) {
    Claimed result;
    std::vector<pg::ClaimedDelivery> claimed;
    std::vector<Event> events;
    {
        auto conn = pool_.acquire();
        claimed = pg::DeliveryQueue::claim_due(*conn, std::min(limit, kClaimBatch), lease_);
        if (claimed.empty()) return result;
        events = pg::DeliveryQueue::load_events(*conn, claimed);
    }
    result.rows = claimed.size();
    std::map<EventId, std::shared_ptr<const Event>> by_id;
    std::map<EventId, std::shared_ptr<const std::string>> bodies;
    for (auto& e : events) {
        e.trace = trace_of_event(e);
        auto id = e.id;
        by_id[id] = std::make_shared<const Event>(std::move(e));
    }
    BatchSettings lookups(pool_, box_);
    for (const auto& c : claimed) {
        if (held(c.key)) continue;  // ours already; the claim renewed it
        auto event = by_id.find(c.key.event_id);
        if (event == by_id.end()) {
            recorder_.abandon(c, "the event is no longer in the event log", nullptr);
            continue;
        }
        std::shared_ptr<const DeliverySettings> settings;
        settings = c.target ? lookups.inline_for(c.key, *c.target) : lookups.get(c.trigger_id);
        if (!settings) {
            recorder_.abandon(
                c, "the trigger was deleted, no longer has a target or its target is disabled",
                event->second.get());
            continue;
        }
        DeliveryJob job;
        job.key = c.key;
        job.event = event->second;
        job.settings = std::move(settings);
        job.attempts_done = c.attempts;
        set_body(job, bodies);
        result.jobs.push_back(std::move(job));
    }
    return result;
}

void DeliveryPoller::update_queue_depth() {
    auto conn = pool_.acquire();
    delivery_metrics().queue_depth.Set(
        static_cast<double>(pg::DeliveryQueue::pending_count(*conn)));
}

}  // namespace etp::dispatcher
