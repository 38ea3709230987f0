#include "retention_loop.hpp"

#include "etp/runtime/log.hpp"
#include "pass_summary.hpp"
#include "retention_metrics.hpp"

namespace etp::retention {

RetentionLoop::RetentionLoop(pg::Pool& pool, bus::Producer& producer, bus::Topics topics,
                             PassOptions options, std::chrono::milliseconds interval)
    : pool_(pool),
      producer_(producer),
      topics_(std::move(topics)),
      options_(options),
      interval_(interval),
      lock_(pool.url()) {
    metrics();
}

RetentionLoop::~RetentionLoop() { stop(); }

void RetentionLoop::start() {
    running_ = true;
    thread_ = std::thread([this] { run(); });
}

void RetentionLoop::stop() noexcept {
    stop_.request();
    if (thread_.joinable()) thread_.join();
    running_ = false;
}

std::optional<std::string> RetentionLoop::check() const {
    if (!running_) return "retention loop not running";
    if (consecutive_failures_ >= 3) return "retention passes keep failing";
    return std::nullopt;
}

bool RetentionLoop::pause(std::chrono::milliseconds d) { return stop_.sleep_for(d); }

bool RetentionLoop::stopping() { return stop_.requested(); }

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
        [this](std::chrono::microseconds d) {
            return pause(std::chrono::ceil<std::chrono::milliseconds>(d));
        });
    record(report);
    publish_summaries(producer_, topics_, report);
    if (report.oldest_age) {
        metrics().passes_ok.Increment();
        log_report(report);
        if (report.default_rows > 0)
            log::warn("events_default holds rows", {{"rows", report.default_rows}});
    }
}

void RetentionLoop::run() noexcept {
    log::info("retention loop started", {{"interval_ms", interval_.count()},
                                         {"active_for_ms", options_.active_for.count()},
                                         {"retain_for_ms", options_.retain_for.count()}});
    while (true) {
        const auto began = std::chrono::steady_clock::now();
        try {
            pass();
            consecutive_failures_ = 0;
        } catch (const std::exception& e) {
            ++consecutive_failures_;
            metrics().passes_failed.Increment();
            if (!lock_.held()) metrics().active.Set(0);
            auto now = std::chrono::steady_clock::now();
            if (now - last_error_log_ >= std::chrono::seconds(5)) {
                last_error_log_ = now;
                log::error("retention pass failed; retrying next interval", {{"error", e.what()}});
            }
        }
        // The next pass starts one interval after this one started (at once when it overran).
        auto spent = std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began);
        if (!pause(std::max(interval_ - spent, std::chrono::milliseconds(0)))) break;
    }
    lock_.release();
    metrics().active.Set(0);
    log::info("retention loop stopped");
}

}  // namespace etp::retention
