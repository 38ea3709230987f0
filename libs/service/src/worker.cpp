#include "etp/service/worker.hpp"

#include <algorithm>

#include "etp/runtime/log.hpp"

namespace etp::service {

Worker::Worker(WorkerOptions options)
    : options_(std::move(options)), error_log_(options_.log_every) {}

Worker::~Worker() { stop(); }

void Worker::start() {
    running_ = true;
    for (std::size_t i = 0; i < std::max<std::size_t>(options_.threads, 1); ++i)
        threads_.emplace_back([this, i] { run(i); });
}

void Worker::stop() noexcept {
    {
        std::lock_guard lock(mutex_);
        if (!stopping_) stop_requested_at_ = std::chrono::steady_clock::now();
        stopping_ = true;
    }
    cv_.notify_all();
    for (auto& t : threads_)
        if (t.joinable()) t.join();
    running_ = false;
}

std::optional<std::string> Worker::check() const {
    if (!running_) return options_.name + " not running";
    if (options_.unhealthy_after > 0 && consecutive_failures_ >= options_.unhealthy_after)
        return options_.failing.empty() ? options_.name + " keeps failing" : options_.failing;
    return std::nullopt;
}

std::chrono::steady_clock::time_point Worker::stop_requested_at() const {
    std::lock_guard lock(mutex_);
    return stop_requested_at_;
}

bool Worker::pause(std::chrono::steady_clock::duration d) {
    std::unique_lock lock(mutex_);
    return !cv_.wait_for(lock, d, [this] { return stopping_.load(); });
}

bool Worker::pause_until(std::chrono::system_clock::time_point at) {
    auto wait = at - std::chrono::system_clock::now();
    std::unique_lock lock(mutex_);
    if (stopping_) return false;
    if (wait <= std::chrono::system_clock::duration::zero()) return true;
    return !cv_.wait_for(lock, wait, [this] { return stopping_.load(); });
}

std::chrono::milliseconds Worker::on_failure(const std::exception& /*error*/,
                                             std::chrono::milliseconds backoff) {
    return backoff;
}

void Worker::run(std::size_t thread) noexcept {
    nlohmann::json started =
        options_.start_fields.is_object() ? options_.start_fields : nlohmann::json::object();
    if (options_.threads > 1) started["thread"] = thread;
    log::info(options_.name + " started", started.empty() ? nullptr : started);
    auto backoff = options_.backoff_min;
    bool go_on = options_.start_delay.count() == 0 || pause(options_.start_delay);
    while (go_on && !stopping()) {
        std::chrono::milliseconds wait{0};
        try {
            wait = step(thread);
            consecutive_failures_ = 0;
            backoff = options_.backoff_min;
        } catch (const std::exception& e) {
            if (stopping()) {
                log::warn(options_.name + " gave up the work in hand at shutdown",
                          {{"error", e.what()}});
                break;
            }
            const int failures = ++consecutive_failures_;
            try {
                wait = on_failure(e, backoff);
                if (auto dropped = error_log_.admit(options_.failure_log)) {
                    nlohmann::json fields = failure_fields();
                    fields["error"] = e.what();
                    fields["retry_in_ms"] = wait.count();
                    fields["consecutive_failures"] = failures;
                    if (*dropped > 0) fields["suppressed"] = *dropped;
                    log::write(options_.failure_level,
                               options_.failure_log.empty() ? options_.name + " failed; retrying"
                                                            : options_.failure_log,
                               fields);
                }
            } catch (const std::exception& again) {
                log::error(options_.name + " failure handling failed", {{"error", again.what()}});
                wait = backoff;
            }
            backoff = std::min(backoff * 2, options_.backoff_max);
        }
        if (wait.count() > 0 && !pause(wait)) break;
    }
    on_stopped(thread);
    log::info(options_.name + " stopped",
              options_.threads > 1 ? nlohmann::json{{"thread", thread}} : nullptr);
}

}  // namespace etp::service
