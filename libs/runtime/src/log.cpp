#include "etp/runtime/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <string>

#include <date/date.h>

namespace etp::log {
namespace {

struct State {
    std::mutex mutex;  // guards service
    std::string service = "etp";
    std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
};

State& state() {
    static State s;
    return s;
}

std::string_view level_name(Level level) {
    switch (level) {
        case Level::kDebug:
            return "debug";
        case Level::kInfo:
            return "info";
        case Level::kWarn:
            return "warn";
        case Level::kError:
            return "error";
    }
    return "info";
}

}  // namespace

std::optional<Level> parse_level(std::string_view text) {
    if (text == "debug") return Level::kDebug;
    if (text == "info") return Level::kInfo;
    if (text == "warn" || text == "warning") return Level::kWarn;
    if (text == "error") return Level::kError;
    return std::nullopt;
}

void init(std::string_view service, Level min_level) {
    auto& s = state();
    std::lock_guard lock(s.mutex);
    s.service = std::string(service);
    s.min_level = static_cast<int>(min_level);
}

bool enabled(Level level) noexcept {
    return static_cast<int>(level) >= state().min_level.load(std::memory_order_relaxed);
}

void write(Level level, std::string_view message, const nlohmann::json& fields) noexcept {
    if (!enabled(level)) return;
    try {
        auto& s = state();
        nlohmann::json line = nlohmann::json::object();
        auto now = std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
        line["ts"] = date::format("%FT%TZ", now);
        line["level"] = level_name(level);
        {
            std::lock_guard lock(s.mutex);
            line["service"] = s.service;
        }
        line["msg"] = message;
        if (fields.is_object()) {
            for (const auto& [key, value] : fields.items()) line[key] = value;
        }
        std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        text.push_back('\n');
        std::string_view rest = text;
        while (!rest.empty()) {
            ssize_t n = ::write(STDERR_FILENO, rest.data(), rest.size());
            if (n <= 0) break;
            rest.remove_prefix(static_cast<size_t>(n));
        }
    } catch (...) {
        // Logging must never take the process down; a line that cannot be built is dropped.
    }
}

}  // namespace etp::log
