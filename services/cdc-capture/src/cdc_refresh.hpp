#pragma once
// Reloads the active cdc triggers from the platform database every CDC_TRIGGER_REFRESH and,
// while this instance streams, keeps the source's publication listing CDC_TABLES, or the
// triggers' tables when CDC_TABLES is empty (see publication.hpp). The tables left out and why
// go to the platform database's cdc_table_status (when they change, and at least every minute)
// and to the log once per table and reason. Failures are logged, counted and retried at the
// next tick; the previous snapshot stays in use. A service::Worker: its own thread;
// start()/stop() from the owner's thread; check() from any thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "cdc_triggers.hpp"
#include "etp/pg/pool.hpp"
#include "etp/service/worker.hpp"

namespace etp::cdc_capture {

struct RefreshOptions {
    std::string source_url;
    std::string publication;
    std::vector<std::string> ceiling;  // CDC_TABLES: when not empty, the only tables captured
    std::chrono::milliseconds interval{1000};
};

class CdcRefresh : public service::Worker {
 public:
    // `streaming` says whether this instance holds the slot (only then is the publication
    // changed).
    CdcRefresh(pg::Pool& platform, CdcTriggerSet& triggers, RefreshOptions options,
               std::function<bool()> streaming);
    ~CdcRefresh() override;

    // Loads the triggers once (failure is logged, not thrown), then starts the thread.
    void start() override;
    // nullopt while the thread runs and the last reload succeeded.
    std::optional<std::string> check() const;

    // Creates the publication when missing and brings its tables up to date on `source` (used
    // by the capture loop before it streams). Throws on database failures.
    void sync(pg::Connection& source);

 private:
    // One tick: reload, then sync the publication while streaming. Failures are handled here.
    std::chrono::milliseconds step(std::size_t thread) override;
    void reload();

    pg::Pool& platform_;
    CdcTriggerSet& triggers_;
    const RefreshOptions options_;
    std::function<bool()> streaming_;

    void record_refused(const std::map<std::string, std::string>& refused);

    std::mutex sync_mutex_;  // one publication update at a time; guards the members below
    std::map<std::string, std::string> refused_;  // table → reason, as last logged
    std::optional<std::map<std::string, std::string>> recorded_;  // in cdc_table_status
    std::chrono::steady_clock::time_point recorded_at_{};
    std::unique_ptr<pg::Connection> source_;  // the refresh thread's own, reconnected on failure

    mutable std::mutex problem_mutex_;
    std::optional<std::string> problem_;
};

}  // namespace etp::cdc_capture
