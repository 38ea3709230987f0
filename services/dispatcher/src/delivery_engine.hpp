#pragma once
// Webhook delivery. Jobs come from two places: the event-log writer hands over the first
// delivery of each event it just logged (leased to this process at insert), and a poller claims
// due rows from the deliveries table (retries, redeliveries, deliveries of a dispatcher that
// died). Workers send them with a limit per target origin, so a slow or dead target holds at
// most that many workers and its own queue, never other targets'. A recorder thread writes the
// attempts in batches, sends dead deliveries to etp.deliveries.dead, and renews the lease of
// every delivery held in memory, so another dispatcher takes them over only when this one is
// gone. On stop, queued jobs are released (made due at once) for whoever runs next.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <thread>
#include <vector>

#include "delivery_settings.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/service_host.hpp"
#include "webhook_sender.hpp"

namespace etp::dispatcher {

struct DeliveryOptions {
    std::size_t workers = 32;
    std::size_t per_target = 8;
    std::chrono::milliseconds lease{30000};
    std::chrono::milliseconds poll_interval{500};
    std::size_t max_in_memory = 20000;
    bool allow_private_targets = false;
};

// A first delivery of a just-logged event (its row was inserted leased to this process).
struct Handoff {
    pg::DeliveryKey key;
    Event event;  // as logged (logged_at set)
};

class DeliveryEngine : public service::Component {
 public:
    DeliveryEngine(pg::Pool& pool, bus::Producer& producer, bus::Topics topics,
                   DeliveryOptions options);
    ~DeliveryEngine() override;

    void start() override;
    void stop() noexcept override;
    std::optional<std::string> check() const;

    // Room for `n` more deliveries in memory: true reserves it for submit(); false means the
    // caller should queue them due at once in PostgreSQL, where the poller finds them later.
    bool try_reserve(std::size_t n);
    // Hands over deliveries whose rows carry this process's lease; `reserved` is what the
    // caller reserved (any not used is given back).
    void submit(std::vector<Handoff> handoffs, std::size_t reserved);
    std::chrono::milliseconds lease() const noexcept { return options_.lease; }

 private:
    struct Job {
        pg::DeliveryKey key;
        std::shared_ptr<const Event> event;
        std::shared_ptr<const std::string> body;
        std::shared_ptr<const DeliverySettings> settings;
        Endpoint endpoint;
        std::int64_t attempts_done = 0;
    };
    struct Origin {
        std::deque<Job> queue;
        std::size_t in_flight = 0;
        // Failed attempts in a row (no answer or 5xx). A failing target gets one request at a
        // time, so dead targets hold one worker each, not DELIVERY_PER_TARGET.
        std::size_t failing_streak = 0;
        bool ready = false;  // listed in ready_
        std::vector<std::unique_ptr<httplib::Client>> idle;
        std::vector<httplib::Client*> busy;  // stopped on shutdown
        Resolution resolution;
        std::chrono::steady_clock::time_point resolved_until{};
        std::chrono::steady_clock::time_point last_used{};
    };
    struct Finished {
        pg::AttemptOutcome outcome;
        std::shared_ptr<const Event> event;  // for a dead delivery's message
        std::string target_url;
    };

    void worker() noexcept;
    void poller() noexcept;
    void recorder() noexcept;

    // Queues a job (lock held). Jobs whose URL cannot be used are finished at once.
    void enqueue_locked(Job job);
    void make_ready_locked(Origin& origin);
    Finished attempt(Origin& origin, Job& job, std::unique_ptr<httplib::Client>& client);
    Finished decide(const Job& job, Timestamp started, const HttpResult& http, bool give_up);
    void finish(Finished finished);
    void claim_due();
    void abandon(const pg::ClaimedDelivery& claimed, const std::string& reason, const Event* event);
    void flush_finished(std::vector<Finished>& batch);
    void renew_leases();
    // Forgets origins idle for a minute, closing their kept-alive connections.
    void prune_idle_origins();
    void release_queued() noexcept;
    bool sleep_unless_stopping(std::chrono::milliseconds d);

    pg::Pool& pool_;
    bus::Producer& producer_;
    const bus::Topics topics_;
    const DeliveryOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable work_cv_;
    std::condition_variable finished_cv_;
    std::condition_variable stop_cv_;
    std::map<std::string, Origin> origins_;
    std::deque<Origin*> ready_;
    std::set<pg::DeliveryKey> held_;  // queued, in flight or finished but not yet recorded
    std::size_t reserved_ = 0;
    std::vector<Finished> finished_;
    bool stopping_ = false;
    bool workers_done_ = false;
    std::atomic<bool> failing_{false};

    std::vector<std::thread> workers_;
    std::thread poller_;
    std::thread recorder_;
};

}  // namespace etp::dispatcher
