#pragma once
// Webhook delivery, composed of: a poller (DeliveryPoller) that turns the event-log writer's
// handoffs (the first delivery of each event it just logged, leased to this process at insert)
// and due rows claimed from the deliveries table into jobs; per-target queues (TargetQueues)
// that say which attempts may start; the net client, whose asynchronous requests run on this
// engine's io_context threads (one in flight holds a socket and a timer, not a thread); and a
// recorder (DeliveryRecorder) that writes what the attempts left. Attempts are bounded in all
// (max_in_flight) and per target origin (per_target, one at a time while the target keeps
// failing), so a slow or dead target holds its own sockets and queue, never other targets'.
//
// The engine's threads, all started and stopped here, each on a service::Worker: the I/O
// threads (one Worker, io_threads threads); and three loops, each a Worker of its own: the poll
// loop (claims, queue depth, pruning idle origins); the record loop, which writes the attempts in
// batches and renews the lease of every delivery held in memory, so another dispatcher takes them
// over only when this one is gone; and the publish loop, which sends the outbox's dead-delivery
// messages to Kafka. On stop, attempts in flight are cancelled; once none is left, the poll and
// publish loops stop, the record loop records what the attempts left, and the queued jobs and
// cancelled attempts are released (made due at once) for whoever runs next.
//
// Thread-safe: submit() and try_reserve() from the writer's thread; completions on the I/O
// threads; `mutex_` guards the state they share.

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "delivery_job.hpp"
#include "delivery_poller.hpp"
#include "delivery_recorder.hpp"
#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/domain/secret_box.hpp"
#include "etp/net/beast.hpp"
#include "etp/net/client.hpp"
#include "etp/pg/delivery_queue.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/service_host.hpp"
#include "etp/service/worker.hpp"
#include "target_queues.hpp"

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
    // One of the engine's loops: a Worker whose step, failure pacing and last words are the
    // engine's.
    class Loop : public service::Worker {
     public:
        struct Calls {
            std::function<std::chrono::milliseconds()> step;
            // Default: the Worker's back-off.
            std::function<std::chrono::milliseconds(std::chrono::milliseconds backoff)> failed;
            std::function<void()> stopped;  // on the loop's thread, once its steps are over
        };
        Loop(service::WorkerOptions options, Calls calls)
            : Worker(std::move(options)), calls_(std::move(calls)) {}
        ~Loop() override { stop(); }

     private:
        std::chrono::milliseconds step(std::size_t /*thread*/) override { return calls_.step(); }
        std::chrono::milliseconds on_failure(const std::exception& /*error*/,
                                             std::chrono::milliseconds backoff) override {
            return calls_.failed ? calls_.failed(backoff) : backoff;
        }
        void on_stopped(std::size_t /*thread*/) noexcept override {
            if (calls_.stopped) calls_.stopped();
        }

        const Calls calls_;
    };

    // One turn of each loop. poll_step(): claims, queue depth, pruning; record_step(): renews
    // the leases when due, then records the attempts finished within 50 ms; publish_step(): a
    // batch of the outbox. Each returns the pause before the next.
    std::chrono::milliseconds poll_step();
    std::chrono::milliseconds record_step();
    std::chrono::milliseconds publish_step();
    // Records the attempts finished, if any (record loop's thread); false when there were none.
    bool record_finished();
    // The record loop's last words: what the attempts left once none completes any more.
    void record_rest() noexcept;
    bool stopping() const;

    // Queues jobs, then starts what may start (lock not held).
    void enqueue(std::vector<DeliveryJob> jobs, std::size_t reserved_used);
    // Queues a job (lock held). Jobs whose URL cannot be used are finished at once.
    void enqueue_locked(DeliveryJob job);
    // Takes what may start now within the limits (lock held).
    std::vector<DeliveryJob> take_launches_locked();
    void launch(std::vector<DeliveryJob> launches);
    // An attempt's completion, on an I/O thread.
    void on_answer(const DeliveryJob& job, Timestamp started,
                   const net::ClientResponse& response) noexcept;
    void claim_due();
    std::vector<pg::DeliveryKey> held_keys() const;
    // Renews the leases when lease/3 has passed since the last renewal (record loop's thread).
    void renew_leases_when_due();
    // Forgets origins idle for a minute, and closes kept-alive connections idle too long.
    void prune_idle_origins();
    void release_queued() noexcept;

    const DeliveryOptions options_;
    DeliveryRecorder recorder_;
    DeliveryPoller poller_;

    mutable std::mutex mutex_;
    std::condition_variable finished_cv_;
    std::condition_variable drained_cv_;  // nothing in flight any more
    TargetQueues queues_;
    std::set<pg::DeliveryKey> held_;  // queued, in flight or finished but not yet recorded
    std::size_t reserved_ = 0;
    std::vector<FinishedAttempt> finished_;
    // From stop() on: nothing more is reserved, claimed or launched. The loops' threads stop
    // on their Workers' requests, in stop()'s order.
    bool stopping_ = false;
    bool stopped_ = false;
    bool io_done_ = false;  // no attempt completes any more: the record loop may finish
    std::chrono::steady_clock::time_point next_renewal_{};  // record loop's thread only
    // Poll loop's thread only: after PostgreSQL failed, claims wait one lease (poll_step()).
    std::chrono::steady_clock::time_point claims_paused_until_{};
    std::chrono::steady_clock::time_point next_depth_{};
    std::chrono::steady_clock::time_point next_prune_{};
    std::chrono::milliseconds publish_wait_;  // publish loop's thread only

    Loop poll_loop_;
    Loop record_loop_;
    Loop publish_loop_;
    // Declared last: the client's completions capture `this`, so it goes first.
    boost::asio::io_context io_;
    std::optional<boost::asio::executor_work_guard<boost::asio::io_context::executor_type>> work_;
    std::unique_ptr<net::Client> client_;
    Loop io_loop_;  // io_threads threads, each running io_ until stop()
};

}  // namespace etp::dispatcher
