#pragma once
// Reloads the active cdc triggers from the platform database every CDC_TRIGGER_REFRESH and,
// while this instance streams, keeps the source's publication listing their tables plus
// CDC_TABLES. Failures are logged, counted and retried at the next tick; the previous snapshot
// stays in use. start()/stop() from the owner's thread; check() from any thread.

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "cdc_triggers.hpp"
#include "etp/pg/pool.hpp"
#include "etp/runtime/stop_signal.hpp"
#include "etp/service/service_host.hpp"

namespace etp::cdc_capture {

struct RefreshOptions {
    std::string source_url;
    std::string publication;
    std::vector<std::string> extra_tables;  // CDC_TABLES
    std::chrono::milliseconds interval{1000};
};

class CdcRefresh : public service::Component {
 public:
    // `streaming` says whether this instance holds the slot (only then is the publication
    // changed).
    CdcRefresh(pg::Pool& platform, CdcTriggerSet& triggers, RefreshOptions options,
               std::function<bool()> streaming);
    ~CdcRefresh() override;

    // Loads the triggers once (failure is logged, not thrown), then starts the thread.
    void start() override;
    void stop() noexcept override;
    std::optional<std::string> check() const;

    // Creates the publication when missing and brings its tables up to date on `source` (used
    // by the capture loop before it streams). Throws on database failures.
    void sync(pg::Connection& source);

 private:
    void run() noexcept;
    void reload();

    pg::Pool& platform_;
    CdcTriggerSet& triggers_;
    const RefreshOptions options_;
    std::function<bool()> streaming_;

    std::thread thread_;
    runtime::StopSignal stop_;

    std::mutex sync_mutex_;                   // one publication update at a time; guards refused_
    std::set<std::string> refused_;           // already reported
    std::unique_ptr<pg::Connection> source_;  // the refresh thread's own, reconnected on failure

    mutable std::mutex problem_mutex_;
    std::optional<std::string> problem_;
};

}  // namespace etp::cdc_capture
