#include "delivery_engine.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>

#include "delivery_metrics.hpp"
#include "etp/runtime/log.hpp"
#include "webhook_sender.hpp"

namespace etp::dispatcher {
namespace {

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

// An I/O thread's one step: runs the completions until stop() stops the io_context (then the
// pause is cut short by the stop request that follows). Completion handlers catch their own
// errors; one escaping is a bug.
std::chrono::milliseconds run_io(boost::asio::io_context& io) noexcept {
    try {
        io.run();
    } catch (const std::exception& e) {
        log::error("webhook I/O thread failed", {{"error", e.what()}});
        std::abort();
    }
    return std::chrono::milliseconds(10);
}

// The options of one of the engine's loops. Their failures are logged each time, as warnings:
// each loop paces its own retries (at least a poll interval apart) and readiness says whether
// recording fails (check()).
service::WorkerOptions loop_options(std::string name, std::chrono::milliseconds start_delay,
                                    std::string failure_log) {
    service::WorkerOptions o;
    o.name = std::move(name);
    o.start_delay = start_delay;
    o.unhealthy_after = 0;
    o.failure_log = std::move(failure_log);
    o.failure_level = log::Level::kWarn;
    o.log_every = std::chrono::milliseconds(0);
    return o;
}

}  // namespace

DeliveryEngine::DeliveryEngine(pg::Pool& pool, bus::Producer& producer, bus::Topics topics,
                               DeliveryOptions options)
    : options_(std::move(options)),
      recorder_(pool, producer, std::move(topics), options_.lease),
      poller_(pool, recorder_, *options_.secret_box, options_.lease),
      queues_(options_.per_target, options_.max_in_flight),
      publish_wait_(options_.poll_interval),
      // The poll and publish loops start a poll interval in; the record loop renews at once.
      poll_loop_(
          loop_options("webhook poll loop", options_.poll_interval, "due deliveries not claimed"),
          {.step = [this] { return poll_step(); },
           .failed =
               [this](std::chrono::milliseconds) {
                   claims_paused_until_ = std::chrono::steady_clock::now() + options_.lease;
                   return options_.poll_interval;
               },
           .stopped = {}}),
      record_loop_(loop_options("webhook record loop", std::chrono::milliseconds(0),
                                "webhook attempts not recorded; retrying"),
                   {.step = [this] { return record_step(); },
                    .failed = {},
                    .stopped = [this] { record_rest(); }}),
      publish_loop_(loop_options("dead-delivery publish loop", options_.poll_interval,
                                 "dead-delivery messages not published to Kafka; retrying"),
                    {.step = [this] { return publish_step(); },
                     .failed =
                         [this](std::chrono::milliseconds) {
                             publish_wait_ =
                                 std::min(std::max(publish_wait_ * 2, options_.poll_interval),
                                          std::chrono::milliseconds(5000));
                             return publish_wait_;
                         },
                     .stopped = {}}),
      io_loop_(
          [this] {
              auto o = loop_options("webhook I/O", std::chrono::milliseconds(0), "");
              o.threads = std::max<std::size_t>(options_.io_threads, 1);
              return o;
          }(),
          {.step = [this] { return run_io(io_); }, .failed = {}, .stopped = {}}) {
    delivery_metrics();
    client_ = std::make_unique<net::Client>(
        io_, webhook_client_options(options_.allow_private_targets, options_.ca_file,
                                    options_.per_target));
}

DeliveryEngine::~DeliveryEngine() { stop(); }

void DeliveryEngine::start() {
    raise_open_file_limit();
    work_.emplace(io_.get_executor());
    io_loop_.start();
    const auto now = std::chrono::steady_clock::now();
    next_depth_ = now;
    next_prune_ = now + std::chrono::minutes(1);
    claims_paused_until_ = now;
    next_renewal_ = now;
    poll_loop_.start();
    record_loop_.start();
    publish_loop_.start();
}

void DeliveryEngine::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (stopped_) return;
        stopped_ = true;
        stopping_ = true;
    }
    // Attempts in flight end at once with "canceled"; on_answer leaves their deliveries held,
    // and release_queued() makes them due again with the queued ones.
    client_->cancel_all();
    {
        std::unique_lock lock(mutex_);
        if (!drained_cv_.wait_for(lock, std::chrono::seconds(5),
                                  [this] { return queues_.in_flight() == 0; }))
            log::warn("webhook attempts still in flight at stop", {{"count", queues_.in_flight()}});
    }
    work_.reset();
    io_.stop();
    io_loop_.stop();
    poll_loop_.stop();
    publish_loop_.stop();
    {
        std::lock_guard lock(mutex_);
        io_done_ = true;
    }
    finished_cv_.notify_all();
    // Its last step done, the record loop records what is left (record_rest()); then what is
    // still held is released.
    record_loop_.stop();
    release_queued();
}

bool DeliveryEngine::stopping() const {
    std::lock_guard lock(mutex_);
    return stopping_;
}

std::optional<std::string> DeliveryEngine::check() const {
    if (recorder_.failing()) return "recording webhook attempts in PostgreSQL is failing";
    return std::nullopt;
}

bool DeliveryEngine::try_reserve(std::size_t n) {
    std::lock_guard lock(mutex_);
    if (stopping_ || held_.size() + reserved_ + n > options_.max_in_memory) return false;
    reserved_ += n;
    return true;
}

void DeliveryEngine::submit(std::vector<Handoff> handoffs, std::size_t reserved) {
    enqueue(poller_.handed_over(std::move(handoffs)), reserved);
}

void DeliveryEngine::enqueue(std::vector<DeliveryJob> jobs, std::size_t reserved_used) {
    std::vector<DeliveryJob> launches;
    {
        std::lock_guard lock(mutex_);
        reserved_ -= std::min(reserved_, reserved_used);
        for (auto& job : jobs) enqueue_locked(std::move(job));
        delivery_metrics().in_memory.Set(static_cast<double>(held_.size()));
        launches = take_launches_locked();
    }
    launch(std::move(launches));
}

void DeliveryEngine::enqueue_locked(DeliveryJob job) {
    auto url = net::parse_url(job.settings->target.url);
    held_.insert(job.key);
    if (!url || !job.body_error.empty()) {
        net::ClientResponse none;
        none.error = !job.body_error.empty()
                         ? job.body_error
                         : "target URL cannot be used: " + job.settings->target.url;
        finished_.push_back(finish_attempt(job, now_utc(), none, true));
        finished_cv_.notify_one();
        return;
    }
    job.url = *url;
    queues_.push(std::move(job));
}

std::vector<DeliveryJob> DeliveryEngine::take_launches_locked() {
    std::vector<DeliveryJob> launches;
    if (!stopping_) launches = queues_.take(std::chrono::steady_clock::now());
    delivery_metrics().in_flight.Set(static_cast<double>(queues_.in_flight()));
    return launches;
}

void DeliveryEngine::launch(std::vector<DeliveryJob> launches) {
    for (auto& job : launches) {
        // Each attempt is a span of its own in the event's trace.
        WebhookRequest webhook{job.url,
                               job.settings->target,
                               job.settings->secrets,
                               *job.body,
                               job.key.event_id.to_string(),
                               job.event->is_test,
                               trace_of_event(*job.event).child()};
        if (log::enabled(log::Level::kDebug))
            log::debug("webhook attempt", {{"event_id", job.key.event_id.to_string()},
                                           {"delivery", job.key.number},
                                           {"attempt", job.attempts_done + 1},
                                           {"trace_id", webhook.trace->trace_id_hex()},
                                           {"span_id", webhook.trace->parent_id_hex()}});
        net::ClientRequest request = make_webhook_request(webhook);
        Timestamp started = now_utc();
        client_->async_send(std::move(request), [this, job = std::move(job),
                                                 started](const net::ClientResponse& response) {
            on_answer(job, started, response);
        });
    }
}

void DeliveryEngine::on_answer(const DeliveryJob& job, Timestamp started,
                               const net::ClientResponse& response) noexcept {
    delivery_metrics().latency.Observe(static_cast<double>(response.elapsed.count()) / 1000.0);
    const bool ok = response.status && *response.status >= 200 && *response.status < 300;
    (ok ? delivery_metrics().attempts_ok : delivery_metrics().attempts_failed).Increment();
    // A refused address stays refused: the delivery ends now rather than after every retry.
    FinishedAttempt finished = finish_attempt(job, started, response, response.refused);
    std::vector<DeliveryJob> launches;
    {
        std::lock_guard lock(mutex_);
        if (!queues_.finish(job.url.origin, !response.status || *response.status >= 500)) {
            log::error("webhook answer for an origin with no attempt in flight",
                       {{"origin", job.url.origin}});
            std::abort();
        }
        // Cut short by stop(): not an answer from the target. The delivery is released with the
        // others and tried again.
        if (!(stopping_ && !response.status)) {
            finished_.push_back(std::move(finished));
            finished_cv_.notify_one();
        }
        if (queues_.in_flight() == 0) drained_cv_.notify_all();
        launches = take_launches_locked();
    }
    launch(std::move(launches));
}

void DeliveryEngine::prune_idle_origins() {
    client_->prune();
    auto cutoff = std::chrono::steady_clock::now() - std::chrono::minutes(1);
    std::lock_guard lock(mutex_);
    queues_.prune_idle(cutoff);
}

// After PostgreSQL failed, claims wait one lease (the poll loop's on_failure). An outage longer
// than a lease lets the leases of every dispatcher lapse; once it is over, each takes that long
// to record what it got meanwhile and renew what it holds, rather than racing the others, who
// would send again deliveries that had succeeded. (A dispatcher that alone lost PostgreSQL for
// longer than a lease is taken over as if dead: at least once.)
std::chrono::milliseconds DeliveryEngine::poll_step() {
    if (stopping()) return options_.poll_interval;
    if (std::chrono::steady_clock::now() >= next_prune_) {
        prune_idle_origins();
        next_prune_ = std::chrono::steady_clock::now() + std::chrono::minutes(1);
    }
    if (std::chrono::steady_clock::now() < claims_paused_until_) return options_.poll_interval;
    claim_due();
    if (std::chrono::steady_clock::now() >= next_depth_) {
        poller_.update_queue_depth();
        next_depth_ = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    }
    return options_.poll_interval;
}

void DeliveryEngine::claim_due() {
    std::size_t room;
    {
        std::lock_guard lock(mutex_);
        std::size_t used = held_.size() + reserved_;
        room = used >= options_.max_in_memory ? 0 : options_.max_in_memory - used;
    }
    auto held = [this](const pg::DeliveryKey& key) {
        std::lock_guard lock(mutex_);
        return held_.contains(key);
    };
    while (room > 0) {
        auto claimed = poller_.claim(room, held);
        if (claimed.rows == 0) return;
        enqueue(std::move(claimed.jobs), 0);
        room = claimed.rows < DeliveryPoller::kClaimBatch ? 0 : room - std::min(room, claimed.rows);
    }
}

std::chrono::milliseconds DeliveryEngine::record_step() {
    renew_leases_when_due();
    {
        std::unique_lock lock(mutex_);
        finished_cv_.wait_for(lock, std::chrono::milliseconds(50),
                              [this] { return !finished_.empty() || io_done_; });
    }
    record_finished();
    return std::chrono::milliseconds(0);
}

bool DeliveryEngine::record_finished() {
    std::vector<FinishedAttempt> batch;
    {
        std::lock_guard lock(mutex_);
        batch.swap(finished_);
    }
    if (batch.empty()) return false;
    // Stopping, once no attempt completes any more: a failing write gives up (the rows stay
    // pending and are attempted again later).
    auto give_up = [this] {
        std::lock_guard lock(mutex_);
        return io_done_;
    };
    recorder_.record(batch, give_up, [this] { renew_leases_when_due(); });
    std::lock_guard lock(mutex_);
    for (const auto& f : batch) held_.erase(f.outcome.key);
    delivery_metrics().in_memory.Set(static_cast<double>(held_.size()));
    return true;
}

void DeliveryEngine::record_rest() noexcept {
    try {
        while (record_finished()) {
        }
    } catch (const std::exception& e) {
        log::error("webhook attempts not recorded at stop", {{"error", e.what()}});
    }
}

std::vector<pg::DeliveryKey> DeliveryEngine::held_keys() const {
    std::lock_guard lock(mutex_);
    return {held_.begin(), held_.end()};
}

void DeliveryEngine::renew_leases_when_due() {
    if (std::chrono::steady_clock::now() < next_renewal_) return;
    recorder_.renew(held_keys());
    next_renewal_ =
        std::chrono::steady_clock::now() +
        std::max<std::chrono::milliseconds>(options_.lease / 3, std::chrono::milliseconds(100));
}

std::chrono::milliseconds DeliveryEngine::publish_step() {
    if (stopping()) return options_.poll_interval;
    const std::size_t sent = recorder_.publish_outbox();
    publish_wait_ = sent > 0 ? std::chrono::milliseconds(0) : options_.poll_interval;
    return publish_wait_;
}

void DeliveryEngine::release_queued() noexcept {
    std::vector<pg::DeliveryKey> keys;
    {
        std::lock_guard lock(mutex_);
        keys.assign(held_.begin(), held_.end());
        held_.clear();
        queues_.clear();
    }
    recorder_.release(keys);
}

}  // namespace etp::dispatcher
