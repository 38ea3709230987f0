#pragma once
// JSON log lines on stderr: one object per line with ts, level, service, msg and fields.
// Message text is constant; variable data goes in fields. Thread-safe; a line is written with
// one write(2) so lines from different threads never interleave.

#include <nlohmann/json.hpp>
#include <string_view>

namespace etp::log {

enum class Level { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

// Parses "debug", "info", "warn", "error"; nullopt otherwise.
std::optional<Level> parse_level(std::string_view text);

// Sets the service name stamped on every line and the minimum level. Call once in main.
void init(std::string_view service, Level min_level);

bool enabled(Level level) noexcept;
void write(Level level, std::string_view message, const nlohmann::json& fields = nullptr) noexcept;

inline void debug(std::string_view m, const nlohmann::json& f = nullptr) noexcept {
    write(Level::kDebug, m, f);
}
inline void info(std::string_view m, const nlohmann::json& f = nullptr) noexcept {
    write(Level::kInfo, m, f);
}
inline void warn(std::string_view m, const nlohmann::json& f = nullptr) noexcept {
    write(Level::kWarn, m, f);
}
inline void error(std::string_view m, const nlohmann::json& f = nullptr) noexcept {
    write(Level::kError, m, f);
}

}  // namespace etp::log
