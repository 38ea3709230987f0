#pragma once
// The mixed load of the fault suite (label fault) and the chaos run: all five services (two
// dispatchers, two schedulers, two cdc-captures, one gateway, one retention) against the test
// process's Apache Kafka and PostgreSQL, under
//   - api fires from a background thread, every 202's event id recorded;
//   - scheduled triggers firing every second (misfire fire_all: every due slot is owed);
//   - cdc churn: `CALL churn(n)` of the monitors fixture in small batches on a source database,
//     every committed row change also written to an audit table by a row trigger (the record
//     of what etp.cdc.changes must hold);
//   - webhook targets on a real receiver answering 500 to a share of attempts, chosen by a hash
//     of (webhook-id, attempt number), and recording each answer it gave;
//   - every tenth fire to a second api trigger whose target always answers 500 and whose
//     deliveries die after 3 attempts over 5-15 s: dead letters on etp.deliveries.dead while
//     the other deliveries succeed (and while a fault is on).
// check_invariants() stops the load, waits (bounded) for quiescence and CHECKs each invariant of
// issue 22 with counts; figures() are what RELIABILITY.md reports.
//
// Services are started, killed and restarted from the test's main thread only (a child dies
// with the thread that forked it).

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "etp/testing/webhook_receiver.hpp"
#include "platform.hpp"

namespace etp::e2e {

struct MixedLoadOptions {
    std::string name = "mixed";  // source database, replication slot and publication
    double fires_per_second = 10;
    int schedules = 3;                           // interval_seconds: 1 each
    int churn_batch = 5;                         // changes per CALL churn(n)
    std::chrono::milliseconds churn_every{500};  // between CALLs
    int failing_percent = 30;                    // 500s among webhook attempts
    int max_attempts = 50;                       // the triggers' retry policy
    int initial_backoff_ms = 100;
    int max_backoff_ms = 1000;
    int api_max_backoff_ms = 1000;  // the api trigger's (the one a target outage hits)
};

struct LoadFigures {
    double load_seconds = 0;
    long fires_attempted = 0, fires_accepted = 0, fires_refused = 0, fires_no_answer = 0;
    long churn_calls = 0, churn_errors = 0, source_changes = 0;
    long scheduled_slots = 0;
    long webhook_requests = 0, webhook_failed_answers = 0, webhook_events = 0;
    long resent_after_2xx = 0, resent_after_2xx_excused = 0;
    long cdc_changes_read = 0;
    long events_with_target = 0;
    long dead_fires_accepted = 0, dead_letters = 0;
    double quiescence_seconds = 0;
    std::string text() const;
};

class MixedLoad {
 public:
    struct Member {
        std::string name;  // "dispatcher-1"
        Service service;
    };

    explicit MixedLoad(MixedLoadOptions options = {});
    ~MixedLoad();  // stops the load threads, then SIGTERMs the services
    MixedLoad(const MixedLoad&) = delete;
    MixedLoad& operator=(const MixedLoad&) = delete;

    // Starts the services, creates the source database and the triggers, and starts the load.
    // REQUIREs each step.
    void start();

    std::vector<Member>& members() { return members_; }
    // CHECKs that no process of the platform has exited (each one's output when one has).
    void check_all_running();
    Member& member(const std::string& name);
    // SIGKILL (a dispatcher's kill time is remembered: a webhook answered 2xx just before may
    // be sent again), then start again and wait (up to 90 s) until ready; false if not ready.
    void kill(Member& m);
    bool restart(Member& m);

    // While down, the api trigger's target answers 503 to everything.
    void set_api_target_down(bool down) { api_target_down_ = down; }

    // Waits (bounded by `timeout`) for quiescence, then CHECKs every invariant; prints and
    // returns the figures.
    LoadFigures check_invariants(std::chrono::seconds timeout = std::chrono::seconds(240));

    // Stops firing and churning and deactivates the schedules (check_invariants does it too).
    void stop_load();

    std::chrono::steady_clock::time_point started() const { return load_started_; }

 private:
    struct Answer {
        int status;
        std::chrono::steady_clock::time_point at;
    };

    etp::testing::Reply answer(const etp::testing::ReceivedRequest& r, bool target_down);
    void fire_loop();
    void churn_loop();
    std::string tail_of(const Member& m) const;

    MixedLoadOptions options_;
    etp::testing::WebhookReceiver receiver_;
    std::vector<Member> members_;
    std::string source_url_;
    std::string api_trigger_;
    std::string monitors_trigger_;
    std::string dead_trigger_;
    std::vector<std::string> schedule_triggers_;
    std::vector<std::string> secrets_;
    std::atomic<bool> api_target_down_{false};

    mutable std::mutex mutex_;                            // guards the members below
    std::map<std::string, std::vector<Answer>> answers_;  // per webhook-id, in order
    std::vector<std::chrono::steady_clock::time_point> dispatcher_kills_;
    std::vector<std::string> accepted_;       // event ids of the 202s
    std::vector<std::string> dead_accepted_;  // the same, of the dead-letter trigger

    std::atomic<bool> stop_{false};
    bool stopped_ = false;
    std::atomic<long> fires_attempted_{0}, fires_refused_{0}, fires_no_answer_{0};
    std::atomic<long> churn_calls_{0}, churn_errors_{0};
    std::chrono::steady_clock::time_point load_started_, load_stopped_;
    std::chrono::system_clock::time_point schedules_deactivated_;
    std::thread firer_;
    std::thread churner_;
};

}  // namespace etp::e2e
