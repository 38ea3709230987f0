#include "delivery_engine.hpp"

#include <algorithm>

#include "etp/bus/event_message.hpp"
#include "etp/domain/delivery_policy.hpp"
#include "etp/domain/error.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/metrics.hpp"

namespace etp::dispatcher {
namespace {

struct Metrics {
    prometheus::Family<prometheus::Counter>& deliveries;
    prometheus::Counter& attempts_ok;
    prometheus::Counter& attempts_failed;
    prometheus::Histogram& latency;
    prometheus::Gauge& queue_depth;
    prometheus::Gauge& in_memory;
};

Metrics& metrics() {
    static auto& deliveries = prometheus::BuildCounter()
                                  .Name("etp_webhook_deliveries_total")
                                  .Help(
                                      "Webhook deliveries finished, by outcome "
                                      "(succeeded, dead); retried counts attempts to repeat")
                                  .Register(runtime::metrics_registry());
    static auto& attempts = prometheus::BuildCounter()
                                .Name("etp_webhook_attempts_total")
                                .Help("Webhook HTTP attempts, by result")
                                .Register(runtime::metrics_registry());
    static auto& latency = prometheus::BuildHistogram()
                               .Name("etp_webhook_attempt_seconds")
                               .Help("Webhook attempt latency, request sent to answer read")
                               .Register(runtime::metrics_registry());
    static auto& gauges = prometheus::BuildGauge()
                              .Name("etp_webhook_queue")
                              .Help(
                                  "Pending webhook deliveries: in PostgreSQL (retry queue "
                                  "depth, all dispatchers) and held in this process's memory")
                              .Register(runtime::metrics_registry());
    static Metrics m{
        deliveries,
        attempts.Add({{"result", "2xx"}}),
        attempts.Add({{"result", "failed"}}),
        latency.Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5, 1, 2.5, 5, 10, 30}),
        gauges.Add({{"where", "postgres"}}),
        gauges.Add({{"where", "memory"}})};
    return m;
}

void count_delivery(const std::string& outcome) {
    metrics().deliveries.Add({{"outcome", outcome}}).Increment();
}

}  // namespace

DeliveryEngine::DeliveryEngine(pg::Pool& pool, bus::Producer& producer, bus::Topics topics,
                               DeliveryOptions options)
    : pool_(pool), producer_(producer), topics_(std::move(topics)), options_(options) {
    metrics();
}

DeliveryEngine::~DeliveryEngine() { stop(); }

void DeliveryEngine::start() {
    for (std::size_t i = 0; i < options_.workers; ++i) workers_.emplace_back([this] { worker(); });
    poller_ = std::thread([this] { poller(); });
    recorder_ = std::thread([this] { recorder(); });
}

void DeliveryEngine::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopping_ && workers_.empty()) return;
        stopping_ = true;
        // Attempts in flight are cut short; their deliveries stay pending and are retried.
        for (auto& [key, origin] : origins_)
            for (httplib::Client* client : origin.busy) client->stop();
    }
    work_cv_.notify_all();
    stop_cv_.notify_all();
    for (auto& t : workers_)
        if (t.joinable()) t.join();
    workers_.clear();
    if (poller_.joinable()) poller_.join();
    {
        std::lock_guard lock(mutex_);
        workers_done_ = true;
    }
    finished_cv_.notify_all();
    if (recorder_.joinable()) recorder_.join();
}

std::optional<std::string> DeliveryEngine::check() const {
    if (failing_) return "recording webhook attempts in PostgreSQL is failing";
    return std::nullopt;
}

bool DeliveryEngine::try_reserve(std::size_t n) {
    std::lock_guard lock(mutex_);
    if (stopping_ || held_.size() + reserved_ + n > options_.max_in_memory) return false;
    reserved_ += n;
    return true;
}

void DeliveryEngine::submit(std::vector<Handoff> handoffs, std::size_t reserved) {
    std::vector<Job> jobs;
    jobs.reserve(handoffs.size());
    BatchSettings lookups(pool_);
    for (auto& h : handoffs) {
        Job job;
        job.key = h.key;
        std::shared_ptr<const DeliverySettings> settings;
        if (h.event.target) {
            settings = inline_settings(*h.event.target);
        } else {
            try {
                settings = lookups.get(h.event.trigger_id);
            } catch (const std::exception& e) {
                // The row stays leased; once the lease runs out the poller takes it.
                log::warn("delivery settings not read; left to the retry poller",
                          {{"event_id", h.key.event_id.to_string()}, {"error", e.what()}});
                continue;
            }
        }
        if (!settings) continue;  // target removed since logging; the poller will settle it
        job.settings = std::move(settings);
        job.body = std::make_shared<const std::string>(bus::serialize_logged_event(h.event));
        job.event = std::make_shared<const Event>(std::move(h.event));
        jobs.push_back(std::move(job));
    }
    std::lock_guard lock(mutex_);
    reserved_ -= std::min(reserved_, reserved);
    for (auto& job : jobs) enqueue_locked(std::move(job));
    metrics().in_memory.Set(static_cast<double>(held_.size()));
}

void DeliveryEngine::enqueue_locked(Job job) {
    auto endpoint = parse_endpoint(job.settings->target.url);
    held_.insert(job.key);
    if (!endpoint) {
        HttpResult none;
        none.error = "target URL cannot be used: " + job.settings->target.url;
        finished_.push_back(decide(job, now_utc(), none, true));
        finished_cv_.notify_one();
        return;
    }
    job.endpoint = *endpoint;
    Origin& origin = origins_[endpoint->origin];
    origin.queue.push_back(std::move(job));
    make_ready_locked(origin);
}

void DeliveryEngine::make_ready_locked(Origin& origin) {
    std::size_t limit = origin.failing_streak >= 3 ? 1 : options_.per_target;
    if (origin.ready || origin.queue.empty() || origin.in_flight >= limit) return;
    origin.ready = true;
    ready_.push_back(&origin);
    work_cv_.notify_one();
}

void DeliveryEngine::worker() noexcept {
    std::unique_lock lock(mutex_);
    while (true) {
        work_cv_.wait(lock, [this] { return stopping_ || !ready_.empty(); });
        if (stopping_) return;
        Origin& origin = *ready_.front();
        ready_.pop_front();
        origin.ready = false;
        if (origin.queue.empty()) continue;
        Job job = std::move(origin.queue.front());
        origin.queue.pop_front();
        ++origin.in_flight;
        origin.last_used = std::chrono::steady_clock::now();
        make_ready_locked(origin);  // round-robin: back of the line if it has more
        std::unique_ptr<httplib::Client> client;
        if (!origin.idle.empty()) {
            client = std::move(origin.idle.back());
            origin.idle.pop_back();
        }
        lock.unlock();
        Finished finished = attempt(origin, job, client);
        lock.lock();
        if (client) {
            std::erase(origin.busy, client.get());
            if (!stopping_) origin.idle.push_back(std::move(client));
        }
        --origin.in_flight;
        const auto& status = finished.outcome.http_status;
        if (!status || *status >= 500)
            ++origin.failing_streak;
        else
            origin.failing_streak = 0;
        make_ready_locked(origin);
        if (stopping_ && !finished.outcome.http_status) {
            // Cut short by stop(): not an answer from the target. The delivery is released
            // with the others and tried again.
            continue;
        }
        finished_.push_back(std::move(finished));
        finished_cv_.notify_one();
    }
}

DeliveryEngine::Finished DeliveryEngine::attempt(Origin& origin, Job& job,
                                                 std::unique_ptr<httplib::Client>& client) {
    Timestamp started = now_utc();
    auto now = std::chrono::steady_clock::now();
    Resolution resolution;
    bool fresh = false;
    {
        std::lock_guard lock(mutex_);
        if (origin.resolved_until > now) {
            resolution = origin.resolution;
        } else {
            fresh = true;
        }
    }
    if (fresh) {
        resolution = resolve_host(job.endpoint.host, options_.allow_private_targets);
        std::lock_guard lock(mutex_);
        if (resolution.address != origin.resolution.address) {
            // Connections to the old address are not reused.
            origin.idle.clear();
            client.reset();
        }
        origin.resolution = resolution;
        origin.resolved_until =
            now + (resolution.error ? std::chrono::seconds(5) : std::chrono::seconds(60));
    }
    if (resolution.error) {
        HttpResult none;
        none.error = *resolution.error;
        client.reset();
        return decide(job, started, none, resolution.refused);
    }
    if (!client) client = make_client(job.endpoint, resolution.address);
    {
        std::lock_guard lock(mutex_);
        if (stopping_) {
            HttpResult none;
            none.error = "stopping";
            return decide(job, started, none, false);
        }
        origin.busy.push_back(client.get());
    }
    WebhookRequest request{job.endpoint, job.settings->target,         job.settings->secrets,
                           *job.body,    job.key.event_id.to_string(), job.event->is_test};
    HttpResult http = send_webhook(*client, request);
    metrics().latency.Observe(static_cast<double>(http.latency.count()) / 1000.0);
    (http.status && *http.status >= 200 && *http.status < 300 ? metrics().attempts_ok
                                                              : metrics().attempts_failed)
        .Increment();
    if (!http.reusable) {
        std::lock_guard lock(mutex_);
        std::erase(origin.busy, client.get());
        client.reset();
    }
    return decide(job, started, http, false);
}

DeliveryEngine::Finished DeliveryEngine::decide(const Job& job, Timestamp started,
                                                const HttpResult& http, bool give_up) {
    Finished f;
    f.event = job.event;
    f.target_url = job.settings->target.url;
    pg::AttemptOutcome& o = f.outcome;
    o.key = job.key;
    o.triggered_at = job.event->triggered_at;
    o.attempt = job.attempts_done + 1;
    o.started_at = started;
    o.latency_ms = http.latency.count();
    if (!http.body_head.empty() || http.status) o.response_body = http.body_head;
    webhook::Verdict verdict = webhook::Verdict::kRetry;
    if (http.status) {
        o.http_status = *http.status;
        verdict = webhook::classify_status(*http.status);
        if (verdict != webhook::Verdict::kSucceeded)
            o.error = "HTTP " + std::to_string(*http.status);
    } else {
        o.error = http.error;
    }
    if (give_up) verdict = webhook::Verdict::kGiveUp;
    const RetryPolicy& retry = job.settings->retry;
    if (verdict == webhook::Verdict::kSucceeded) {
        o.status = "succeeded";
    } else if (verdict == webhook::Verdict::kGiveUp || o.attempt >= retry.max_attempts) {
        o.status = "dead";
    } else {
        thread_local std::mt19937_64 random{std::random_device{}()};
        double draw = std::uniform_real_distribution<double>(0.0, 1.0)(random);
        auto delay = webhook::backoff_delay(retry, o.attempt, draw);
        if (http.retry_after) {
            if (auto after = webhook::parse_retry_after(*http.retry_after, now_utc())) {
                // Honoured, but never beyond a day: a bogus header must not park a delivery.
                auto wanted = std::min<std::chrono::milliseconds>(*after, std::chrono::hours(24));
                delay = std::max(delay, wanted);
            }
        }
        o.status = "pending";
        o.next_attempt_at = now_utc() + std::chrono::duration_cast<Timestamp::duration>(delay);
    }
    return f;
}

bool DeliveryEngine::sleep_unless_stopping(std::chrono::milliseconds d) {
    std::unique_lock lock(mutex_);
    return !stop_cv_.wait_for(lock, d, [this] { return stopping_; });
}

void DeliveryEngine::prune_idle_origins() {
    auto cutoff = std::chrono::steady_clock::now() - std::chrono::minutes(1);
    std::lock_guard lock(mutex_);
    std::erase_if(origins_, [&](const auto& entry) {
        const Origin& o = entry.second;
        return o.queue.empty() && o.in_flight == 0 && !o.ready && o.last_used < cutoff;
    });
}

void DeliveryEngine::poller() noexcept {
    auto next_depth = std::chrono::steady_clock::now();
    auto next_prune = next_depth + std::chrono::minutes(1);
    while (sleep_unless_stopping(options_.poll_interval)) {
        try {
            if (std::chrono::steady_clock::now() >= next_prune) {
                prune_idle_origins();
                next_prune = std::chrono::steady_clock::now() + std::chrono::minutes(1);
            }
            claim_due();
            if (std::chrono::steady_clock::now() >= next_depth) {
                auto conn = pool_.acquire();
                metrics().queue_depth.Set(
                    static_cast<double>(pg::DeliveryQueue::pending_count(*conn)));
                next_depth = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            }
        } catch (const std::exception& e) {
            log::warn("due deliveries not claimed", {{"error", e.what()}});
        }
    }
}

void DeliveryEngine::claim_due() {
    std::size_t room;
    {
        std::lock_guard lock(mutex_);
        std::size_t used = held_.size() + reserved_;
        room = used >= options_.max_in_memory ? 0 : options_.max_in_memory - used;
    }
    while (room > 0) {
        std::vector<pg::ClaimedDelivery> claimed;
        std::vector<Event> events;
        {
            auto conn = pool_.acquire();
            claimed = pg::DeliveryQueue::claim_due(*conn, std::min<std::size_t>(room, 500),
                                                   options_.lease);
            if (claimed.empty()) return;
            events = pg::DeliveryQueue::load_events(*conn, claimed);
        }
        std::map<EventId, std::shared_ptr<const Event>> by_id;
        std::map<EventId, std::shared_ptr<const std::string>> bodies;
        for (auto& e : events) {
            auto id = e.id;
            by_id[id] = std::make_shared<const Event>(std::move(e));
        }
        std::vector<Job> jobs;
        BatchSettings lookups(pool_);
        for (const auto& c : claimed) {
            {
                std::lock_guard lock(mutex_);
                if (held_.contains(c.key)) continue;  // ours already; the claim renewed it
            }
            auto event = by_id.find(c.key.event_id);
            if (event == by_id.end()) {
                abandon(c, "the event is no longer in the event log", nullptr);
                continue;
            }
            std::shared_ptr<const DeliverySettings> settings;
            settings = c.target ? inline_settings(*c.target) : lookups.get(c.trigger_id);
            if (!settings) {
                abandon(c, "the trigger was deleted or no longer has a target",
                        event->second.get());
                continue;
            }
            auto& body = bodies[c.key.event_id];
            if (!body)
                body = std::make_shared<const std::string>(
                    bus::serialize_logged_event(*event->second));
            Job job;
            job.key = c.key;
            job.event = event->second;
            job.body = body;
            job.settings = std::move(settings);
            job.attempts_done = c.attempts;
            jobs.push_back(std::move(job));
        }
        std::lock_guard lock(mutex_);
        for (auto& job : jobs) enqueue_locked(std::move(job));
        metrics().in_memory.Set(static_cast<double>(held_.size()));
        room = claimed.size() < 500 ? 0 : room - std::min(room, claimed.size());
    }
}

void DeliveryEngine::abandon(const pg::ClaimedDelivery& claimed, const std::string& reason,
                             const Event* event) {
    if (event) {
        bus::DeadDelivery dead{*event, claimed.key.number, claimed.attempts, std::nullopt, reason,
                               ""};
        producer_.produce_sync(bus::make_dead_delivery_message(topics_, dead));
    }
    auto conn = pool_.acquire();
    pg::DeliveryQueue::abandon(*conn, claimed.key, reason);
    count_delivery("dead");
    log::warn("delivery abandoned", {{"event_id", claimed.key.event_id.to_string()},
                                     {"delivery", claimed.key.number},
                                     {"reason", reason}});
}

void DeliveryEngine::recorder() noexcept {
    auto renew_every =
        std::max<std::chrono::milliseconds>(options_.lease / 3, std::chrono::milliseconds(100));
    auto next_renewal = std::chrono::steady_clock::now() + renew_every;
    while (true) {
        std::vector<Finished> batch;
        bool done;
        {
            std::unique_lock lock(mutex_);
            finished_cv_.wait_for(lock, std::chrono::milliseconds(50),
                                  [this] { return !finished_.empty() || workers_done_; });
            batch.swap(finished_);
            done = workers_done_;
        }
        if (!batch.empty()) flush_finished(batch);
        if (done) {
            std::lock_guard lock(mutex_);
            if (!finished_.empty()) continue;
            break;
        }
        if (std::chrono::steady_clock::now() >= next_renewal) {
            renew_leases();
            next_renewal = std::chrono::steady_clock::now() + renew_every;
        }
    }
    release_queued();
}

void DeliveryEngine::flush_finished(std::vector<Finished>& batch) {
    auto backoff = std::chrono::milliseconds(100);
    while (true) {
        try {
            // Dead messages first: a crash before the rows are written repeats the attempt
            // (and perhaps the message), never loses the message.
            for (const auto& f : batch) {
                if (f.outcome.status != "dead") continue;
                bus::DeadDelivery dead{*f.event,
                                       f.outcome.key.number,
                                       f.outcome.attempt,
                                       f.outcome.http_status,
                                       f.outcome.error.value_or(""),
                                       f.target_url};
                producer_.produce_sync(bus::make_dead_delivery_message(topics_, dead));
            }
            std::vector<pg::AttemptOutcome> outcomes;
            outcomes.reserve(batch.size());
            for (const auto& f : batch) outcomes.push_back(f.outcome);
            {
                auto conn = pool_.acquire();
                pg::DeliveryQueue::record(*conn, outcomes);
            }
            failing_ = false;
            break;
        } catch (const std::exception& e) {
            failing_ = true;
            log::error("webhook attempts not recorded; retrying",
                       {{"count", batch.size()}, {"error", e.what()}});
            bool stopping;
            {
                std::lock_guard lock(mutex_);
                stopping = workers_done_;
            }
            // While stopping, give up: the rows stay pending and are attempted again later.
            if (stopping) break;
            std::this_thread::sleep_for(backoff);
            backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
        }
    }
    for (const auto& f : batch) {
        const auto& o = f.outcome;
        if (o.status == "succeeded") count_delivery("succeeded");
        if (o.status == "dead") {
            count_delivery("dead");
            log::warn("delivery dead", {{"event_id", o.key.event_id.to_string()},
                                        {"delivery", o.key.number},
                                        {"attempts", o.attempt},
                                        {"error", o.error.value_or("")}});
        }
        if (o.status == "pending") count_delivery("retried");
    }
    std::lock_guard lock(mutex_);
    for (const auto& f : batch) held_.erase(f.outcome.key);
    metrics().in_memory.Set(static_cast<double>(held_.size()));
}

void DeliveryEngine::renew_leases() {
    std::vector<pg::DeliveryKey> keys;
    {
        std::lock_guard lock(mutex_);
        keys.assign(held_.begin(), held_.end());
    }
    if (keys.empty()) return;
    try {
        auto conn = pool_.acquire();
        pg::DeliveryQueue::renew(*conn, keys, options_.lease);
    } catch (const std::exception& e) {
        log::warn("delivery leases not renewed", {{"count", keys.size()}, {"error", e.what()}});
    }
}

void DeliveryEngine::release_queued() noexcept {
    std::vector<pg::DeliveryKey> keys;
    {
        std::lock_guard lock(mutex_);
        keys.assign(held_.begin(), held_.end());
        held_.clear();
        origins_.clear();
        ready_.clear();
    }
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

}  // namespace etp::dispatcher
