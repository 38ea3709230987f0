#include "etp/domain/time.hpp"

#include <cstdio>

namespace etp {

Timestamp now_utc() {
    return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

namespace {

void put_digits(char* at, unsigned value, int width) {
    for (int i = width - 1; i >= 0; --i, value /= 10) at[i] = static_cast<char>('0' + value % 10);
}

// Reads exactly `n` digits at `pos`, advancing it; false when any is not a digit.
bool digits(std::string_view s, std::size_t& pos, std::size_t n, int& out) {
    if (pos + n > s.size()) return false;
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
        char c = s[pos + i];
        if (c < '0' || c > '9') return false;
        out = out * 10 + (c - '0');
    }
    pos += n;
    return true;
}

bool expect(std::string_view s, std::size_t& pos, char c) {
    if (pos >= s.size() || s[pos] != c) return false;
    ++pos;
    return true;
}

}  // namespace

// Hot (four timestamps per event in every listing): written digit by digit, no stream, no
// printf. Years outside 0..9999 (which no event has) go through snprintf.
void append_rfc3339(std::string& out, Timestamp t) {
    using namespace std::chrono;
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss<microseconds> hms{t - day};
    const int y = static_cast<int>(ymd.year());
    const auto mo = static_cast<unsigned>(ymd.month());
    const auto d = static_cast<unsigned>(ymd.day());
    const auto h = static_cast<unsigned>(hms.hours().count());
    const auto mi = static_cast<unsigned>(hms.minutes().count());
    const auto sec = static_cast<unsigned>(hms.seconds().count());
    const auto us = static_cast<unsigned>(hms.subseconds().count());
    if (y < 0 || y > 9999) {
        char buf[48];
        int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02u:%02u:%02u.%06uZ", y, mo, d, h,
                              mi, sec, us);
        out.append(buf, static_cast<std::size_t>(n));
        return;
    }
    char buf[] = "0000-00-00T00:00:00.000000Z";
    put_digits(buf, static_cast<unsigned>(y), 4);
    put_digits(buf + 5, mo, 2);
    put_digits(buf + 8, d, 2);
    put_digits(buf + 11, h, 2);
    put_digits(buf + 14, mi, 2);
    put_digits(buf + 17, sec, 2);
    put_digits(buf + 20, us, 6);
    out.append(buf, sizeof buf - 1);
}

std::string format_rfc3339(Timestamp t) {
    std::string out;
    out.reserve(32);
    append_rfc3339(out, t);
    return out;
}

// Hot too (every timestamp of an event listing comes back from PostgreSQL as text): a single
// pass with no allocation. Accepts "YYYY-MM-DD(T|t| )HH:MM:SS[.f{1,9}](Z|z|±HH|±HHMM|±HH:MM)".
std::optional<Timestamp> parse_rfc3339(std::string_view s) {
    using namespace std::chrono;
    std::size_t pos = 0;
    int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
    if (!digits(s, pos, 4, y) || !expect(s, pos, '-') || !digits(s, pos, 2, mo) ||
        !expect(s, pos, '-') || !digits(s, pos, 2, d))
        return std::nullopt;
    if (pos >= s.size() || (s[pos] != 'T' && s[pos] != 't' && s[pos] != ' ')) return std::nullopt;
    ++pos;
    if (!digits(s, pos, 2, h) || !expect(s, pos, ':') || !digits(s, pos, 2, mi) ||
        !expect(s, pos, ':') || !digits(s, pos, 2, sec))
        return std::nullopt;
    if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
    int micros = 0;
    if (pos < s.size() && s[pos] == '.') {
        ++pos;
        std::size_t first = pos;
        while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
            if (pos - first < 6) micros = micros * 10 + (s[pos] - '0');  // truncated to µs
            ++pos;
        }
        std::size_t n = pos - first;
        if (n == 0 || n > 9) return std::nullopt;
        for (std::size_t i = n; i < 6; ++i) micros *= 10;
    }
    int offset_minutes = 0;
    if (pos >= s.size()) return std::nullopt;
    if (s[pos] == 'Z' || s[pos] == 'z') {
        ++pos;
    } else if (s[pos] == '+' || s[pos] == '-') {
        int sign = s[pos] == '-' ? -1 : 1;
        ++pos;
        int oh = 0, om = 0;
        if (!digits(s, pos, 2, oh)) return std::nullopt;
        if (pos < s.size()) {
            if (s[pos] == ':') ++pos;
            if (!digits(s, pos, 2, om)) return std::nullopt;
        }
        if (oh > 23 || om > 59) return std::nullopt;
        offset_minutes = sign * (oh * 60 + om);
    } else {
        return std::nullopt;
    }
    if (pos != s.size()) return std::nullopt;
    year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
    if (!date.ok()) return std::nullopt;
    const Timestamp t = Timestamp(sys_days(date)) + hours(h) + minutes(mi - offset_minutes) +
                        seconds(sec) + microseconds(micros);
    // An offset can carry 0000-01-01 or 9999-12-31 into a year that format_rfc3339 cannot
    // write in four digits, so that the text it gives back would not parse.
    const Timestamp first{sys_days(year(0) / January / 1)};
    const Timestamp last{sys_days(year(9999) / December / 31) + days(1) - microseconds(1)};
    if (t < first || t > last) return std::nullopt;
    return t;
}

}  // namespace etp
