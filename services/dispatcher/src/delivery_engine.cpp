#include "delivery_engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>

#include "etp/bus/event_message.hpp"
#include "etp/domain/delivery_policy.hpp"
#include "etp/domain/error.hpp"
#include "etp/pg/outbox.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/pg/trigger_store.hpp"
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
    prometheus::Gauge& in_flight;
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
    static auto& latency =
        prometheus::BuildHistogram()
            .Name("etp_webhook_attempt_seconds")
            .Help("Webhook attempt duration, from resolving the target to the answer read")
            .Register(runtime::metrics_registry());
    static auto& gauges = prometheus::BuildGauge()
                              .Name("etp_webhook_queue")
                              .Help(
                                  "Pending webhook deliveries: in PostgreSQL (retry queue "
                                  "depth, all dispatchers) and held in this process's memory")
                              .Register(runtime::metrics_registry());
    static auto& in_flight =
        prometheus::BuildGauge()
            .Name("etp_webhook_attempts_in_flight")
            .Help("Webhook attempts in flight (each holds a socket, no thread)")
            .Register(runtime::metrics_registry());
    static Metrics m{
        deliveries,
        attempts.Add({{"result", "2xx"}}),
        attempts.Add({{"result", "failed"}}),
        latency.Add({}, prometheus::Histogram::BucketBoundaries{0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                                0.5, 1, 2.5, 5, 10, 30}),
        gauges.Add({{"where", "postgres"}}),
        gauges.Add({{"where", "memory"}}),
        in_flight.Add({})};
    return m;
}

void count_delivery(const std::string& outcome) {
    metrics().deliveries.Add({{"outcome", outcome}}).Increment();
}

// Each attempt in flight holds a socket: up to max_in_flight of them, where the default soft
// limit (often 1024) would refuse new connections long before. The hard limit is the ceiling.
void raise_open_file_limit() noexcept {
    rlimit limit{};
    if (getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur >= limit.rlim_max) return;
    rlim_t before = limit.rlim_cur;
    limit.rlim_cur = limit.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &limit) == 0)
        log::info("open file limit raised", {{"from", static_cast<std::uint64_t>(before)},
                                             {"to", static_cast<std::uint64_t>(limit.rlim_cur)}});
}

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

// An I/O thread's loop. Completion handlers catch their own errors; one escaping is a bug.
void run_io(boost::asio::io_context& io) noexcept {
    try {
        io.run();
    } catch (const std::exception& e) {
        log::error("webhook I/O thread failed", {{"error", e.what()}});
        std::abort();
    }
}

}  // namespace

DeliveryEngine::DeliveryEngine(pg::Pool& pool, bus::Producer& producer, bus::Topics topics,
                               DeliveryOptions options)
    : pool_(pool), producer_(producer), topics_(std::move(topics)), options_(std::move(options)) {
    metrics();
    client_ = std::make_unique<net::Client>(
        io_, webhook_client_options(options_.allow_private_targets, options_.ca_file,
                                    options_.per_target));
}

DeliveryEngine::~DeliveryEngine() { stop(); }

void DeliveryEngine::start() {
    raise_open_file_limit();
    work_.emplace(io_.get_executor());
    for (std::size_t i = 0; i < std::max<std::size_t>(options_.io_threads, 1); ++i)
        io_threads_.emplace_back([this] { run_io(io_); });
    poller_ = std::thread([this] { poller(); });
    recorder_ = std::thread([this] { recorder(); });
    publisher_ = std::thread([this] { publisher(); });
}

void DeliveryEngine::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        stopping_ = true;
    }
    stop_cv_.notify_all();
    // Attempts in flight end at once with "canceled"; on_answer leaves their deliveries held,
    // and release_queued() makes them due again with the queued ones.
    client_->cancel_all();
    {
        std::unique_lock lock(mutex_);
        if (!drained_cv_.wait_for(lock, std::chrono::seconds(5),
                                  [this] { return in_flight_ == 0; }))
            log::warn("webhook attempts still in flight at stop", {{"count", in_flight_}});
    }
    work_.reset();
    io_.stop();
    for (auto& t : io_threads_)
        if (t.joinable()) t.join();
    io_threads_.clear();
    if (poller_.joinable()) poller_.join();
    if (publisher_.joinable()) publisher_.join();
    {
        std::lock_guard lock(mutex_);
        io_done_ = true;
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
    BatchSettings lookups(pool_, *options_.secret_box);
    std::map<EventId, std::shared_ptr<const std::string>> cloudevents;
    for (auto& h : handoffs) {
        Job job;
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
    std::vector<Launch> launches;
    {
        std::lock_guard lock(mutex_);
        reserved_ -= std::min(reserved_, reserved);
        for (auto& job : jobs) enqueue_locked(std::move(job));
        metrics().in_memory.Set(static_cast<double>(held_.size()));
        launches = take_launches_locked();
    }
    launch(std::move(launches));
}

void DeliveryEngine::set_body(Job& job,
                              std::map<EventId, std::shared_ptr<const std::string>>& cloudevents) {
    if (job.settings->target.body.format == BodyFormat::kCloudEvent) {
        auto& body = cloudevents[job.event->id];
        if (!body)
            body = std::make_shared<const std::string>(bus::serialize_logged_event(*job.event));
        job.body = body;
        return;
    }
    try {
        job.body =
            std::make_shared<const std::string>(webhook_body(*job.event, job.settings->target));
    } catch (const std::exception& e) {
        job.body_error = std::string("body not built: ") + e.what();
    }
}

void DeliveryEngine::enqueue_locked(Job job) {
    auto url = net::parse_url(job.settings->target.url);
    held_.insert(job.key);
    if (!url || !job.body_error.empty()) {
        net::ClientResponse none;
        none.error = !job.body_error.empty()
                         ? job.body_error
                         : "target URL cannot be used: " + job.settings->target.url;
        finished_.push_back(decide(job, now_utc(), none, true));
        finished_cv_.notify_one();
        return;
    }
    job.url = *url;
    Origin& origin = origins_[url->origin];
    origin.queue.push_back(std::move(job));
    make_ready_locked(origin);
}

void DeliveryEngine::make_ready_locked(Origin& origin) {
    std::size_t limit = origin.failing_streak >= 3 ? 1 : options_.per_target;
    if (origin.ready || origin.queue.empty() || origin.in_flight >= limit) return;
    origin.ready = true;
    ready_.push_back(&origin);
}

std::vector<DeliveryEngine::Launch> DeliveryEngine::take_launches_locked() {
    std::vector<Launch> launches;
    while (!stopping_ && in_flight_ < options_.max_in_flight && !ready_.empty()) {
        Origin& origin = *ready_.front();
        ready_.pop_front();
        origin.ready = false;
        if (origin.queue.empty()) continue;
        Job job = std::move(origin.queue.front());
        origin.queue.pop_front();
        ++origin.in_flight;
        ++in_flight_;
        origin.last_used = std::chrono::steady_clock::now();
        make_ready_locked(origin);  // round-robin: back of the line if it has more
        launches.push_back({job.url.origin, std::move(job)});
    }
    metrics().in_flight.Set(static_cast<double>(in_flight_));
    return launches;
}

void DeliveryEngine::launch(std::vector<Launch> launches) {
    for (auto& l : launches) {
        const Job& job = l.job;
        WebhookRequest webhook{job.url,   job.settings->target,         job.settings->secrets,
                               *job.body, job.key.event_id.to_string(), job.event->is_test};
        net::ClientRequest request = make_webhook_request(webhook);
        Timestamp started = now_utc();
        client_->async_send(
            std::move(request),
            [this, origin = std::move(l.origin), job = std::move(l.job),
             started](net::ClientResponse response) { on_answer(origin, job, started, response); });
    }
}

void DeliveryEngine::on_answer(const std::string& origin_key, const Job& job, Timestamp started,
                               const net::ClientResponse& response) noexcept {
    metrics().latency.Observe(static_cast<double>(response.elapsed.count()) / 1000.0);
    const bool ok = response.status && *response.status >= 200 && *response.status < 300;
    (ok ? metrics().attempts_ok : metrics().attempts_failed).Increment();
    // A refused address stays refused: the delivery ends now rather than after every retry.
    Finished finished = decide(job, started, response, response.refused);
    std::vector<Launch> launches;
    {
        std::lock_guard lock(mutex_);
        auto it = origins_.find(origin_key);
        if (it == origins_.end()) {
            // An origin with attempts in flight is never pruned.
            log::error("webhook answer for an unknown origin", {{"origin", origin_key}});
            std::abort();
        }
        Origin& origin = it->second;
        --origin.in_flight;
        --in_flight_;
        if (!response.status || *response.status >= 500)
            ++origin.failing_streak;
        else
            origin.failing_streak = 0;
        make_ready_locked(origin);
        // Cut short by stop(): not an answer from the target. The delivery is released with the
        // others and tried again.
        if (!(stopping_ && !response.status)) {
            finished_.push_back(std::move(finished));
            finished_cv_.notify_one();
        }
        if (in_flight_ == 0) drained_cv_.notify_all();
        launches = take_launches_locked();
    }
    launch(std::move(launches));
}

DeliveryEngine::Finished DeliveryEngine::decide(const Job& job, Timestamp started,
                                                const net::ClientResponse& http, bool give_up) {
    Finished f;
    f.event = job.event;
    f.target_url = job.settings->target.url;
    pg::AttemptOutcome& o = f.outcome;
    o.key = job.key;
    o.triggered_at = job.event->triggered_at;
    o.attempt = job.attempts_done + 1;
    o.started_at = started;
    o.latency_ms = http.elapsed.count();
    if (!http.body_head.empty() || http.status) o.response_body = storable(http.body_head);
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
        if (auto retry_after = http.header("Retry-After")) {
            // Honoured, up to webhook::kMaxRetryAfter (a day).
            if (auto after = webhook::parse_retry_after(*retry_after, now_utc()))
                delay = std::max<std::chrono::milliseconds>(delay, *after);
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
    client_->prune();
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
    // After PostgreSQL failed, claims wait one lease. An outage longer than a lease lets the
    // leases of every dispatcher lapse; once it is over, each takes that long to record what it
    // got meanwhile and renew what it holds, rather than racing the others, who would send
    // again deliveries that had succeeded. (A dispatcher that alone lost PostgreSQL for longer
    // than a lease is taken over as if dead: at least once.)
    auto claims_paused_until = next_depth;
    while (sleep_unless_stopping(options_.poll_interval)) {
        try {
            if (std::chrono::steady_clock::now() >= next_prune) {
                prune_idle_origins();
                next_prune = std::chrono::steady_clock::now() + std::chrono::minutes(1);
            }
            if (std::chrono::steady_clock::now() < claims_paused_until) continue;
            claim_due();
            if (std::chrono::steady_clock::now() >= next_depth) {
                auto conn = pool_.acquire();
                metrics().queue_depth.Set(
                    static_cast<double>(pg::DeliveryQueue::pending_count(*conn)));
                next_depth = std::chrono::steady_clock::now() + std::chrono::seconds(5);
            }
        } catch (const std::exception& e) {
            log::warn("due deliveries not claimed", {{"error", e.what()}});
            claims_paused_until = std::chrono::steady_clock::now() + options_.lease;
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
        BatchSettings lookups(pool_, *options_.secret_box);
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
            settings = c.target ? lookups.inline_for(c.key, *c.target) : lookups.get(c.trigger_id);
            if (!settings) {
                abandon(c,
                        "the trigger was deleted, no longer has a target or its target is disabled",
                        event->second.get());
                continue;
            }
            Job job;
            job.key = c.key;
            job.event = event->second;
            job.settings = std::move(settings);
            job.attempts_done = c.attempts;
            set_body(job, bodies);
            jobs.push_back(std::move(job));
        }
        std::vector<Launch> launches;
        {
            std::lock_guard lock(mutex_);
            for (auto& job : jobs) enqueue_locked(std::move(job));
            metrics().in_memory.Set(static_cast<double>(held_.size()));
            launches = take_launches_locked();
        }
        launch(std::move(launches));
        room = claimed.size() < 500 ? 0 : room - std::min(room, claimed.size());
    }
}

void DeliveryEngine::abandon(const pg::ClaimedDelivery& claimed, const std::string& reason,
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
    log::warn("delivery abandoned", {{"event_id", claimed.key.event_id.to_string()},
                                     {"delivery", claimed.key.number},
                                     {"reason", reason}});
}

void DeliveryEngine::recorder() noexcept {
    next_renewal_ = std::chrono::steady_clock::now();
    renew_leases_when_due();
    while (true) {
        std::vector<Finished> batch;
        bool done;
        {
            std::unique_lock lock(mutex_);
            finished_cv_.wait_for(lock, std::chrono::milliseconds(50),
                                  [this] { return !finished_.empty() || io_done_; });
            batch.swap(finished_);
            done = io_done_;
        }
        if (!batch.empty()) flush_finished(batch);
        if (done) {
            std::lock_guard lock(mutex_);
            if (!finished_.empty()) continue;
            break;
        }
        renew_leases_when_due();
    }
    release_queued();
}

void DeliveryEngine::renew_leases_when_due() {
    if (std::chrono::steady_clock::now() < next_renewal_) return;
    renew_leases();
    next_renewal_ =
        std::chrono::steady_clock::now() +
        std::max<std::chrono::milliseconds>(options_.lease / 3, std::chrono::milliseconds(100));
}

void DeliveryEngine::publisher() noexcept {
    auto wait = options_.poll_interval;
    while (sleep_unless_stopping(wait)) {
        try {
            const std::size_t sent = publish_outbox();
            wait = sent > 0 ? std::chrono::milliseconds(0) : options_.poll_interval;
        } catch (const std::exception& e) {
            log::warn("dead-delivery messages not published to Kafka; retrying",
                      {{"error", e.what()}});
            wait = std::min(std::max(wait * 2, options_.poll_interval),
                            std::chrono::milliseconds(5000));
        }
    }
}

std::size_t DeliveryEngine::publish_outbox() {
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

void DeliveryEngine::flush_finished(std::vector<Finished>& batch) {
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
            bool stopping;
            {
                std::lock_guard lock(mutex_);
                stopping = io_done_;
            }
            // While stopping, give up: the rows stay pending and are attempted again later.
            if (stopping) break;
            // Deliveries held (this batch among them) keep their leases while this retries.
            renew_leases_when_due();
            std::this_thread::sleep_for(backoff);
            // Well within a lease: what is recorded late must be recorded before the other
            // dispatchers claim again (see poller()).
            backoff = std::min({backoff * 2, std::chrono::milliseconds(5000),
                                std::max<std::chrono::milliseconds>(
                                    options_.lease / 4, std::chrono::milliseconds(100))});
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
                                        {"error", o.error.value_or("")}});
        }
        if (o.status == "pending") count_delivery("retried");
    }
    std::lock_guard lock(mutex_);
    for (const auto& f : batch) held_.erase(f.outcome.key);
    metrics().in_memory.Set(static_cast<double>(held_.size()));
}

void DeliveryEngine::disable_gone_targets(const std::vector<Finished>& batch) {
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
