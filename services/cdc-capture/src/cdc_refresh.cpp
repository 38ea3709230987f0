#include "cdc_refresh.hpp"

#include "cdc_metrics.hpp"
#include "etp/domain/error.hpp"
#include "etp/pg/cdc_table_status.hpp"
#include "etp/runtime/log.hpp"
#include "publication.hpp"

namespace etp::cdc_capture {
namespace {

service::WorkerOptions worker_options(const RefreshOptions& options) {
    service::WorkerOptions o;
    o.name = "cdc trigger refresh";
    o.start_delay = options.interval;  // start() loaded them once already
    o.unhealthy_after = 0;             // check() says what failed
    return o;
}

}  // namespace

CdcRefresh::CdcRefresh(pg::Pool& platform, CdcTriggerSet& triggers, RefreshOptions options,
                       std::function<bool()> streaming)
    : Worker(worker_options(options)),
      platform_(platform),
      triggers_(triggers),
      options_(std::move(options)),
      streaming_(std::move(streaming)) {}

CdcRefresh::~CdcRefresh() { stop(); }

void CdcRefresh::start() {
    try {
        reload();
    } catch (const std::exception& e) {
        log::warn("cdc triggers not loaded yet; retrying", {{"error", e.what()}});
    }
    Worker::start();
}

std::optional<std::string> CdcRefresh::check() const {
    if (auto problem = Worker::check()) return problem;
    std::lock_guard lock(problem_mutex_);
    return problem_;
}

void CdcRefresh::reload() {
    auto conn = platform_.acquire();
    auto snapshot = load_cdc_triggers(*conn);
    metrics().triggers.Set(static_cast<double>(snapshot->count));
    triggers_.replace(std::move(snapshot));
}

void CdcRefresh::sync(pg::Connection& source) {
    std::lock_guard lock(sync_mutex_);
    auto snapshot = triggers_.get();
    if (!snapshot->loaded)
        throw Error(ErrorKind::kUnavailable,
                    "cdc triggers are not loaded yet (platform database); the publication is "
                    "left as it is");
    auto wanted = wanted_tables(*snapshot, options_.ceiling);
    auto result = sync_publication(source, options_.publication, wanted.tables);
    metrics().tables.Set(static_cast<double>(result.published.size()));
    for (const auto& t : result.added)
        log::info("table added to the publication",
                  {{"table", t}, {"publication", options_.publication}});
    for (const auto& t : result.dropped)
        log::info("table dropped from the publication",
                  {{"table", t}, {"publication", options_.publication}});
    auto refused = std::move(wanted.refused);
    refused.merge(result.refused);
    metrics().refused_tables.Set(static_cast<double>(refused.size()));
    // Re-checked at every sync; said once per table and reason.
    for (const auto& [table, reason] : refused) {
        auto known = refused_.find(table);
        if (known == refused_.end() || known->second != reason)
            log::warn("table not captured", {{"table", table}, {"reason", reason}});
    }
    for (const auto& [table, reason] : refused_)
        if (!refused.count(table) && result.published.count(table))
            log::info("table captured again", {{"table", table}});
    refused_ = refused;
    record_refused(refused);
}

// The platform database is another server: when it does not answer, the publication is still
// kept, and the record is written at a later sync.
void CdcRefresh::record_refused(const std::map<std::string, std::string>& refused) {
    const auto now = std::chrono::steady_clock::now();
    if (recorded_ == refused && now - recorded_at_ < std::chrono::minutes(1)) return;
    try {
        auto conn = platform_.acquire();
        pg::CdcTableStatusStore::replace(*conn, options_.publication, refused);
        recorded_ = refused;
        recorded_at_ = now;
    } catch (const std::exception& e) {
        recorded_.reset();
        metrics().refresh_failures.Increment();
        log::warn("recording the tables not captured failed; retrying", {{"error", e.what()}});
    }
}

std::chrono::milliseconds CdcRefresh::step(std::size_t /*thread*/) {
    std::optional<std::string> problem;
    try {
        reload();
    } catch (const std::exception& e) {
        metrics().refresh_failures.Increment();
        log::warn("reloading cdc triggers failed; keeping the previous ones",
                  {{"error", e.what()}});
        problem = std::string("cannot load cdc triggers: ") + e.what();
    }
    if (streaming_()) {
        try {
            if (!source_ || !source_->is_open())
                source_ = std::make_unique<pg::Connection>(options_.source_url);
            sync(*source_);
        } catch (const std::exception& e) {
            source_.reset();
            metrics().refresh_failures.Increment();
            log::warn("updating the publication failed; retrying", {{"error", e.what()}});
        }
    }
    std::lock_guard lock(problem_mutex_);
    problem_ = std::move(problem);
    return options_.interval;
}

}  // namespace etp::cdc_capture
