#pragma once
// Small pieces shared by the parts of the end-to-end load tool: event ids as 128-bit keys,
// RFC 3339 parsing, percentiles and progress messages on stderr.

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etp::bench {

using SystemTime = std::chrono::system_clock::time_point;
using Micros = std::chrono::microseconds;

// Progress and warnings go to stderr; stdout carries only the results.
template <typename... Args>
void note(const char* format, Args... args) {
    std::fprintf(stderr, "==> ");
    if constexpr (sizeof...(Args) == 0) {
        std::fputs(format, stderr);
    } else {
        std::fprintf(stderr, format, args...);
    }
    std::fputc('\n', stderr);
}

// A UUID as two 64-bit halves: a compact key for millions of event ids.
struct Uuid {
    std::uint64_t hi = 0;
    std::uint64_t lo = 0;
    bool operator==(const Uuid&) const = default;

    // The canonical 36-character form (8-4-4-4-12 hex digits), any case.
    static std::optional<Uuid> parse(std::string_view text) {
        if (text.size() != 36) return std::nullopt;
        Uuid u;
        int digits = 0;
        for (std::size_t i = 0; i < text.size(); ++i) {
            char c = text[i];
            if (i == 8 || i == 13 || i == 18 || i == 23) {
                if (c != '-') return std::nullopt;
                continue;
            }
            std::uint64_t v;
            if (c >= '0' && c <= '9') {
                v = static_cast<std::uint64_t>(c - '0');
            } else if (c >= 'a' && c <= 'f') {
                v = static_cast<std::uint64_t>(c - 'a' + 10);
            } else if (c >= 'A' && c <= 'F') {
                v = static_cast<std::uint64_t>(c - 'A' + 10);
            } else {
                return std::nullopt;
            }
            std::uint64_t& half = digits < 16 ? u.hi : u.lo;
            half = (half << 4) | v;
            ++digits;
        }
        return u;
    }
};

struct UuidHash {
    std::size_t operator()(const Uuid& u) const noexcept {
        return std::hash<std::uint64_t>{}(u.hi ^ (u.lo * 0x9E3779B97F4A7C15ULL));
    }
};

// "YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)", as the platform writes timestamps.
inline std::optional<SystemTime> parse_rfc3339(std::string_view s) {
    auto number = [&](std::size_t at, std::size_t len, int& out) {
        if (at + len > s.size()) return false;
        auto [p, ec] = std::from_chars(s.data() + at, s.data() + at + len, out);
        return ec == std::errc{} && p == s.data() + at + len;
    };
    int y, mo, d, h, mi, sec;
    if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return std::nullopt;
    if (!number(0, 4, y) || !number(5, 2, mo) || !number(8, 2, d) || !number(11, 2, h) ||
        !number(14, 2, mi) || !number(17, 2, sec))
        return std::nullopt;
    using namespace std::chrono;
    year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
    if (!ymd.ok()) return std::nullopt;
    SystemTime t = sys_days{ymd} + hours{h} + minutes{mi} + seconds{sec};
    std::size_t at = 19;
    if (at < s.size() && s[at] == '.') {
        ++at;
        std::int64_t micros = 0;
        int kept = 0;
        while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
            if (kept < 6) micros = micros * 10 + (s[at] - '0'), ++kept;
            ++at;
        }
        if (kept == 0) return std::nullopt;
        for (; kept < 6; ++kept) micros *= 10;
        t += microseconds{micros};
    }
    if (at == s.size() - 1 && (s[at] == 'Z' || s[at] == 'z')) return t;
    int oh, om;
    if (at + 6 == s.size() && (s[at] == '+' || s[at] == '-') && s[at + 3] == ':' &&
        number(at + 1, 2, oh) && number(at + 4, 2, om)) {
        auto offset = hours{oh} + minutes{om};
        return s[at] == '+' ? t - offset : t + offset;
    }
    return std::nullopt;
}

// The q-quantile (0 < q ≤ 1) of the values by the nearest-rank method; sorts them.
inline std::int64_t quantile(std::vector<std::int64_t>& values, double q) {
    if (values.empty()) return 0;
    std::sort(values.begin(), values.end());
    auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(values.size())));
    return values[std::clamp<std::size_t>(rank, 1, values.size()) - 1];
}

// A value in the body of a compact JSON document: the string after `"key":`, unescaped
// characters only (enough for ids and timestamps).
inline std::optional<std::string_view> json_string_field(std::string_view body,
                                                         std::string_view key) {
    std::string needle = "\"" + std::string(key) + "\"";
    std::size_t at = body.find(needle);
    if (at == std::string_view::npos) return std::nullopt;
    at += needle.size();
    while (at < body.size() && (body[at] == ' ' || body[at] == ':')) ++at;
    if (at >= body.size() || body[at] != '"') return std::nullopt;
    std::size_t end = body.find('"', at + 1);
    if (end == std::string_view::npos) return std::nullopt;
    return body.substr(at + 1, end - at - 1);
}

}  // namespace etp::bench
