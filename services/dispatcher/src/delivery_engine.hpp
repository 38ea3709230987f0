#pragma once
// Webhook delivery. Jobs come from two places: the event-log writer hands over the first
// delivery of each event it just logged (leased to this process at insert), and a poller claims
// due rows from the deliveries table (retries, redeliveries, deliveries of a dispatcher that
// died). Attempts are asynchronous requests of the net client on this engine's io_context
// threads: one in flight holds a socket and a timer, not a thread. They are bounded in all
// (max_in_flight) and per target origin (per_target, one at a time while the target keeps
// failing), so a slow or dead target holds its own sockets and queue, never other targets'. A
// recorder thread writes the attempts in batches (a dead delivery's etp.deliveries.dead message
// into the Kafka outbox in the same transaction) and renews the lease of every delivery held in
// memory, so another dispatcher takes them over only when this one is gone. A publisher thread
// sends the outbox's messages: a Kafka outage delays them, never the recording. On stop, attempts
// in flight are cancelled and, with the queued jobs, released (made due at once) for whoever runs
// next.
//
// Thread-safe: submit() and try_reserve() from the writer's thread; completions on the I/O
// threads; `mutex_` guards the state they share.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "delivery_settings.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/net/beast.hpp"
#include "etp/net/client.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/service_host.hpp"
#include "webhook_sender.hpp"

namespace etp::dispatcher {

struct DeliveryOptions {
    std::size_t io_threads = 1;
    std::size_t max_in_flight = 10000;
    std::size_t per_target = 8;
    std::chrono::milliseconds lease{30000};
    std::chrono::milliseconds poll_interval{500};
    std::size_t max_in_memory = 20000;
    bool allow_private_targets = false;
    std::string ca_file;  // PEM, trusted besides the system's CAs; empty for none
    // Opens stored signing secrets (ETP_SECRET_KEY*); without a key, plain values only.
    std::shared_ptr<const secrets::SecretBox> secret_box =
        std::make_shared<const secrets::SecretBox>();
};

// A first delivery of a just-logged event (its row was inserted leased to this process).
struct Handoff {
    pg::DeliveryKey key;
    Event event;  // as logged (logged_at set)
};

class DeliveryEngine : public service::Component {
 public:
    // Throws etp::Error when options.ca_file cannot be loaded.
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
    const secrets::SecretBox& secret_box() const noexcept { return *options_.secret_box; }

 private:
    struct Job {
        pg::DeliveryKey key;
        std::shared_ptr<const Event> event;
        std::shared_ptr<const std::string> body;
        std::string body_error;  // set when the body cannot be built: the delivery ends dead
        std::shared_ptr<const DeliverySettings> settings;
        net::Url url;
        std::int64_t attempts_done = 0;
    };
    struct Origin {
        std::deque<Job> queue;
        std::size_t in_flight = 0;
        // Failed attempts in a row (no answer or 5xx). A failing target gets one request at a
        // time, so dead targets hold one socket each, not DELIVERY_PER_TARGET.
        std::size_t failing_streak = 0;
        bool ready = false;  // listed in ready_
        std::chrono::steady_clock::time_point last_used{};
    };
    struct Finished {
        pg::AttemptOutcome outcome;
        std::shared_ptr<const Event> event;  // for a dead delivery's message
        std::string target_url;
    };
    // An attempt to start, taken off its origin's queue under the lock, started after it.
    struct Launch {
        std::string origin;
        Job job;
    };

    // The job's body (the CloudEvent shared per event through `cloudevents`, a template
    // rendered per trigger), or body_error when it cannot be built.
    static void set_body(Job& job,
                         std::map<EventId, std::shared_ptr<const std::string>>& cloudevents);
    void poller() noexcept;
    void recorder() noexcept;
    void publisher() noexcept;
    // Sends a batch of the outbox's messages and deletes them; how many were sent.
    std::size_t publish_outbox();

    // Queues a job (lock held). Jobs whose URL cannot be used are finished at once.
    void enqueue_locked(Job job);
    void make_ready_locked(Origin& origin);
    // Takes what may start now within the limits (lock held).
    std::vector<Launch> take_launches_locked();
    void launch(std::vector<Launch> launches);
    // An attempt's completion, on an I/O thread.
    void on_answer(const std::string& origin_key, const Job& job, Timestamp started,
                   const net::ClientResponse& response) noexcept;
    Finished decide(const Job& job, Timestamp started, const net::ClientResponse& http,
                    bool give_up);
    void claim_due();
    void abandon(const pg::ClaimedDelivery& claimed, const std::string& reason, const Event* event);
    void flush_finished(std::vector<Finished>& batch);
    // A 410 Gone disables its trigger's target (TriggerStore::disable_target); best effort.
    void disable_gone_targets(const std::vector<Finished>& batch);
    void renew_leases();
    // Renews the leases when lease/3 has passed since the last renewal (recorder thread).
    void renew_leases_when_due();
    // Forgets origins idle for a minute, and closes kept-alive connections idle too long.
    void prune_idle_origins();
    void release_queued() noexcept;
    bool sleep_unless_stopping(std::chrono::milliseconds d);

    pg::Pool& pool_;
    bus::Producer& producer_;
    const bus::Topics topics_;
    const DeliveryOptions options_;

    mutable std::mutex mutex_;
    std::condition_variable finished_cv_;
    std::condition_variable stop_cv_;
    std::condition_variable drained_cv_;  // in_flight_ reached 0
    std::map<std::string, Origin> origins_;
    std::deque<Origin*> ready_;
    std::set<pg::DeliveryKey> held_;  // queued, in flight or finished but not yet recorded
    std::size_t reserved_ = 0;
    std::size_t in_flight_ = 0;  // attempts started and not completed, all origins
    std::vector<Finished> finished_;
    bool stopping_ = false;
    bool stopped_ = false;
    bool io_done_ = false;  // no attempt completes any more: the recorder may finish
    std::atomic<bool> failing_{false};
    std::chrono::steady_clock::time_point next_renewal_{};  // recorder thread only

    std::thread poller_;
    std::thread recorder_;
    std::thread publisher_;
    // Declared last: the client's completions capture `this`, so it goes first.
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::unique_ptr<net::Client> client_;
    std::vector<std::thread> io_threads_;
};

}  // namespace etp::dispatcher
