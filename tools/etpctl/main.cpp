// etpctl: a command-line client of the platform's REST API. See `etpctl --help` and
// docs/etpctl.md.

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>

#include "etpctl.hpp"

namespace {

std::atomic<bool> stop{false};
static_assert(std::atomic<bool>::is_always_lock_free);

extern "C" void on_signal(int) { stop.store(true); }

etp::ctl::EnvFile read_run_env() {
    std::error_code ec;
    const auto path = etp::ctl::find_run_env(std::filesystem::current_path(ec));
    if (ec || !path) return {};
    std::ifstream in(*path);
    const std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    return etp::ctl::parse_env_file(text);
}

}  // namespace

int main(int argc, char** argv) {
    // Ctrl-C ends `events tail --follow` between polls (exit 0); a blocking call in flight is
    // interrupted and not reported.
    struct sigaction action {};
    action.sa_handler = on_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, nullptr);
    sigaction(SIGTERM, &action, nullptr);

    const etp::ctl::Environment environment{
        [](const std::string& name) -> std::optional<std::string> {
            const char* value = std::getenv(name.c_str());
            if (value == nullptr) return std::nullopt;
            return std::string(value);
        },
        read_run_env, [] { return stop.load(); }};
    return etp::ctl::run({argv + 1, argv + argc}, environment, std::cout, std::cerr);
}
