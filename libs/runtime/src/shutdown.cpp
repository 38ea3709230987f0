#include "etp/runtime/shutdown.hpp"

#include <csignal>
#include <ctime>

#include "etp/runtime/log.hpp"

namespace etp::runtime {
namespace {
sigset_t shutdown_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGINT);
    return set;
}
}  // namespace

ShutdownSignal::ShutdownSignal() {
    sigset_t set = shutdown_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    // A peer closing a socket must not kill the process.
    std::signal(SIGPIPE, SIG_IGN);
    watcher_ = std::thread([this] {
        sigset_t set = shutdown_signals();
        timespec tick{0, 100'000'000};
        while (!closing_.load()) {
            int sig = sigtimedwait(&set, nullptr, &tick);
            if (sig == SIGTERM || sig == SIGINT) {
                log::info("shutdown signal received",
                          {{"signal", sig == SIGTERM ? "SIGTERM" : "SIGINT"}});
                request();
            }
        }
    });
}

ShutdownSignal::~ShutdownSignal() {
    closing_ = true;
    if (watcher_.joinable()) watcher_.join();
}

void ShutdownSignal::request() noexcept {
    {
        std::lock_guard lock(mutex_);
        requested_ = true;
    }
    cv_.notify_all();
}

void ShutdownSignal::wait() {
    std::unique_lock lock(mutex_);
    cv_.wait(lock, [this] { return requested_.load(); });
}

bool ShutdownSignal::wait_for(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mutex_);
    return cv_.wait_for(lock, timeout, [this] { return requested_.load(); });
}

}  // namespace etp::runtime
