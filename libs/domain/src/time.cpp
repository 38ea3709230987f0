#include "etp/domain/time.hpp"

#include <date/date.h>

#include <cstdio>
#include <sstream>

namespace etp {

Timestamp now_utc() {
    return std::chrono::floor<std::chrono::microseconds>(std::chrono::system_clock::now());
}

// Hot (four timestamps per event in every listing): formatted directly, with no stream.
std::string format_rfc3339(Timestamp t) {
    using namespace std::chrono;
    auto day = floor<days>(t);
    year_month_day ymd{day};
    hh_mm_ss<microseconds> hms{t - day};
    char buf[40];
    int n = std::snprintf(
        buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d.%06dZ", static_cast<int>(ymd.year()),
        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
        static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
        static_cast<int>(hms.seconds().count()), static_cast<int>(hms.subseconds().count()));
    return std::string(buf, static_cast<std::size_t>(n));
}

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
    // Normalise the forms we accept into "YYYY-MM-DDTHH:MM:SS[.f]" + "+HHMM".
    if (text.size() < 20 || text.size() > 40) return std::nullopt;
    std::string s(text);
    if (s[10] == ' ' || s[10] == 't') s[10] = 'T';
    if (s[10] != 'T') return std::nullopt;
    std::string offset = "+0000";
    std::size_t end = s.size();
    if (s.back() == 'Z' || s.back() == 'z') {
        end = s.size() - 1;
    } else {
        std::size_t sign = s.find_last_of("+-");
        if (sign == std::string::npos || sign < 19) return std::nullopt;
        std::string off = s.substr(sign + 1);
        if (off.size() == 2) off += "00";
        if (off.size() == 5 && off[2] == ':') off.erase(2, 1);
        if (off.size() != 4) return std::nullopt;
        for (char c : off)
            if (c < '0' || c > '9') return std::nullopt;
        offset = s.substr(sign, 1) + off;
        end = sign;
    }
    std::string local = s.substr(0, end);
    // Fraction: up to 9 digits, truncated to microseconds.
    std::string fraction;
    if (local.size() > 19) {
        if (local[19] != '.' || local.size() == 20) return std::nullopt;
        fraction = local.substr(20);
        local.resize(19);
        if (fraction.size() > 9) return std::nullopt;
        for (char c : fraction)
            if (c < '0' || c > '9') return std::nullopt;
    }
    if (local.size() != 19) return std::nullopt;
    std::istringstream in(local + offset);
    date::sys_seconds seconds;
    in >> date::parse("%FT%T%z", seconds);
    if (in.fail()) return std::nullopt;
    // date::parse is lenient about trailing garbage; make sure everything was consumed.
    in.peek();
    if (!in.eof()) return std::nullopt;
    while (fraction.size() < 6) fraction.push_back('0');
    long micros = std::stol(fraction.substr(0, 6));
    return Timestamp(seconds) + std::chrono::microseconds(micros);
}

}  // namespace etp
