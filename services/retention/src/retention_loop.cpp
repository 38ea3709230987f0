#include "retention_loop.hpp"

#include <algorithm>

#include "etp/runtime/log.hpp"
#include "pass_summary.hpp"
#include "retention_metrics.hpp"

namespace etp::retention {

namespace {

service::WorkerOptions worker_options(const PassOptions& options,
                                      std::chrono::milliseconds interval) {
    service::WorkerOptions o;
    o.name = "retention loop";
    o.start_fields = {{"interval_ms", interval.count()},
                      {"active_for_ms", options.active_for.count()},
                      {"retain_for_ms", options.retain_for.count()}};
    o.failing = "retention passes keep failing";
    o.failure_log = "retention pass failed; retrying next interval";
    return o;
}

}  // namespace

RetentionLoop::RetentionLoop(pg::Pool& pool, bus::Producer& producer, bus::Topics topics,
                             PassOptions options, std::chrono::milliseconds interval)
    : Worker(worker_options(options, interval)),
      pool_(pool),
      producer_(producer),
      topics_(std::move(topics)),
      options_(options),
      interval_(interval),
      lock_(pool.url()) {
    metrics();
}

RetentionLoop::~RetentionLoop() { stop(); }

std::chrono::milliseconds RetentionLoop::rest_of_interval() const {
    auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - began_);
    return std::max(interval_ - spent, std::chrono::milliseconds(0));
}

void RetentionLoop::pass() {
    const bool was_active = lock_.held();
    if (!lock_.try_acquire()) {
        metrics().active.Set(0);
        if (was_active) log::warn("retention lock lost; standing by");
        return;
    }
    metrics().active.Set(1);
    if (!was_active) log::info("retention lock taken; this instance is active");
    auto conn = pool_.acquire();
    PassReport report = run_pass(
        *conn, options_, [this] { return stopping(); },
        [this](std::chrono::microseconds d) { return pause(d); });
    record(report);
    publish_summaries(producer_, topics_, report);
    if (report.oldest_age) {
        metrics().passes_ok.Increment();
        log_report(report);
        if (report.default_rows > 0)
            log::warn("events_default holds rows", {{"rows", report.default_rows}});
    }
}

// The next pass starts one interval after this one started (at once when it overran), whether
// it failed or not.
std::chrono::milliseconds RetentionLoop::step(std::size_t /*thread*/) {
    began_ = std::chrono::steady_clock::now();
    pass();
    return rest_of_interval();
}

std::chrono::milliseconds RetentionLoop::on_failure(const std::exception& /*error*/,
                                                    std::chrono::milliseconds /*backoff*/) {
    metrics().passes_failed.Increment();
    if (!lock_.held()) metrics().active.Set(0);
    return rest_of_interval();
}

void RetentionLoop::on_stopped(std::size_t /*thread*/) noexcept {
    lock_.release();
    metrics().active.Set(0);
}

}  // namespace etp::retention
