#include "etp/domain/delivery_policy.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>

namespace etp::webhook {
namespace {

using std::chrono::seconds;

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool all_digits(std::string_view s) {
    return !s.empty() &&
           std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// A fixed-width decimal field of an HTTP-date; -1 unless it is exactly digits.
int fixed_number(std::string_view s) {
    if (!all_digits(s)) return -1;
    int n = 0;
    for (char c : s) n = n * 10 + (c - '0');
    return n;
}

// "Sun, 06 Nov 1994 08:49:37 GMT" (RFC 9110 section 5.6.7). The obsolete RFC 850 and asctime
// forms are not accepted: servers must send this one.
std::optional<std::chrono::sys_seconds> parse_imf_fixdate(std::string_view s) {
    static constexpr std::array<std::string_view, 7> kDays = {"Mon", "Tue", "Wed", "Thu",
                                                              "Fri", "Sat", "Sun"};
    static constexpr std::array<std::string_view, 12> kMonths = {
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    if (s.size() != 29 || s.substr(3, 2) != ", " || s[7] != ' ' || s[11] != ' ' || s[16] != ' ' ||
        s[19] != ':' || s[22] != ':' || s.substr(25) != " GMT")
        return std::nullopt;
    // The day name is checked for form only: a server that gets the weekday wrong still means
    // the date it wrote.
    if (std::find(kDays.begin(), kDays.end(), s.substr(0, 3)) == kDays.end()) return std::nullopt;
    auto month_it = std::find(kMonths.begin(), kMonths.end(), s.substr(8, 3));
    if (month_it == kMonths.end()) return std::nullopt;
    int day = fixed_number(s.substr(5, 2));
    int year = fixed_number(s.substr(12, 4));
    int hour = fixed_number(s.substr(17, 2));
    int minute = fixed_number(s.substr(20, 2));
    int second = fixed_number(s.substr(23, 2));
    // Second 60 is a leap second, which the grammar allows.
    if (day < 0 || year < 0 || hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 ||
        second > 60)
        return std::nullopt;
    std::chrono::year_month_day date{
        std::chrono::year{year},
        std::chrono::month{static_cast<unsigned>(month_it - kMonths.begin() + 1)},
        std::chrono::day{static_cast<unsigned>(day)}};
    if (!date.ok()) return std::nullopt;
    return std::chrono::sys_days{date} + std::chrono::hours{hour} + std::chrono::minutes{minute} +
           seconds{second};
}

std::uint32_t ipv4_value(const std::uint8_t* b) {
    return static_cast<std::uint32_t>(b[0]) << 24 | static_cast<std::uint32_t>(b[1]) << 16 |
           static_cast<std::uint32_t>(b[2]) << 8 | b[3];
}

bool in_ipv4_prefix(std::uint32_t a, std::uint32_t prefix, int bits) {
    std::uint32_t mask = bits == 0 ? 0 : ~std::uint32_t{0} << (32 - bits);
    return (a & mask) == prefix;
}

bool is_private_ipv4(std::uint32_t a) {
    return in_ipv4_prefix(a, 0x00000000, 8)      // 0/8 "this network", incl. 0.0.0.0
           || in_ipv4_prefix(a, 0x0A000000, 8)   // 10/8
           || in_ipv4_prefix(a, 0x64400000, 10)  // 100.64/10 shared address space (CGN)
           || in_ipv4_prefix(a, 0x7F000000, 8)   // 127/8 loopback
           || in_ipv4_prefix(a, 0xA9FE0000, 16)  // 169.254/16 link-local (cloud metadata)
           || in_ipv4_prefix(a, 0xAC100000, 12)  // 172.16/12
           || in_ipv4_prefix(a, 0xC0000000, 24)  // 192.0.0/24 IETF protocol assignments
           || in_ipv4_prefix(a, 0xC0A80000, 16)  // 192.168/16
           || in_ipv4_prefix(a, 0xC6120000, 15)  // 198.18/15 benchmarking
           || in_ipv4_prefix(a, 0xE0000000, 4)   // 224/4 multicast
           || in_ipv4_prefix(a, 0xF0000000, 4);  // 240/4 reserved, incl. 255.255.255.255
}

bool starts_with_bytes(const std::uint8_t* b, std::initializer_list<std::uint8_t> prefix) {
    return std::equal(prefix.begin(), prefix.end(), b);
}

bool is_private_ipv6(const std::uint8_t* b) {
    static constexpr std::array<std::uint8_t, 16> kZero{};
    // ::/96 covers :: (unspecified), ::1 (loopback, 0.0.0.1 is in 0/8) and the deprecated
    // IPv4-compatible ::a.b.c.d; the embedded address decides.
    if (std::equal(b, b + 12, kZero.begin())) return is_private_ipv4(ipv4_value(b + 12));
    // IPv4-mapped ::ffff:a.b.c.d: the kernel connects a v6 socket to it over IPv4.
    if (std::equal(b, b + 10, kZero.begin()) && b[10] == 0xFF && b[11] == 0xFF)
        return is_private_ipv4(ipv4_value(b + 12));
    // IPv4-translated ::ffff:0:a.b.c.d (SIIT, RFC 7915).
    if (std::equal(b, b + 8, kZero.begin()) && b[8] == 0xFF && b[9] == 0xFF && b[10] == 0 &&
        b[11] == 0)
        return is_private_ipv4(ipv4_value(b + 12));
    // NAT64 well-known prefix 64:ff9b::/96: a DNS64 network reaches the embedded IPv4 address.
    if (starts_with_bytes(b, {0x00, 0x64, 0xFF, 0x9B, 0, 0, 0, 0, 0, 0, 0, 0}))
        return is_private_ipv4(ipv4_value(b + 12));
    // 64:ff9b:1::/48 is the local-use NAT64 prefix (RFC 8215): never global.
    if (starts_with_bytes(b, {0x00, 0x64, 0xFF, 0x9B, 0x00, 0x01})) return true;
    // 6to4 2002::/16 and Teredo 2001:0::/32 tunnel to an IPv4 address embedded in the address
    // (plainly, or inverted in Teredo's last 32 bits), through relays that may reach a private
    // one; both are deprecated, so they are refused whole. Only 2001:0::/32 is Teredo: the rest
    // of 2001::/16 is ordinary global space.
    if (starts_with_bytes(b, {0x20, 0x02})) return true;
    if (starts_with_bytes(b, {0x20, 0x01, 0x00, 0x00})) return true;
    if ((b[0] & 0xFE) == 0xFC) return true;                  // fc00::/7 unique local
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return true;  // fe80::/10 link-local
    if (b[0] == 0xFE && (b[1] & 0xC0) == 0xC0) return true;  // fec0::/10 deprecated site-local
    if (b[0] == 0xFF) return true;                           // ff00::/8 multicast
    return false;
}

}  // namespace

Verdict classify_status(int http_status) {
    if (http_status >= 200 && http_status <= 299) return Verdict::kSucceeded;
    if ((http_status >= 500 && http_status <= 599) || http_status == 408 || http_status == 429)
        return Verdict::kRetry;
    return Verdict::kGiveUp;
}

std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, std::int64_t attempts_done,
                                        double random01) {
    if (!(random01 >= 0.0)) random01 = 0.0;
    if (random01 >= 1.0) random01 = std::nextafter(1.0, 0.0);
    if (!policy.schedule_seconds.empty()) {
        // The delay before attempt attempts_done + 1, ±20 %; past the list's end its last one.
        std::size_t i = static_cast<std::size_t>(std::clamp<std::int64_t>(
            attempts_done - 1, 0, static_cast<std::int64_t>(policy.schedule_seconds.size()) - 1));
        double base = static_cast<double>(std::max<std::int64_t>(policy.schedule_seconds[i], 0));
        return std::chrono::milliseconds{
            static_cast<std::int64_t>(std::llround(base * 1000.0 * (0.8 + 0.4 * random01)))};
    }
    std::int64_t initial = std::max<std::int64_t>(policy.initial_backoff_ms, 0);
    std::int64_t max = std::max<std::int64_t>(policy.max_backoff_ms, 0);
    std::int64_t doublings = std::max<std::int64_t>(attempts_done, 1) - 1;
    // initial * 2^doublings, capped at max without ever computing a product that overflows:
    // initial > max >> doublings exactly when initial << doublings would exceed max.
    std::int64_t ceiling = 0;
    if (initial == 0)
        ceiling = 0;
    else if (doublings >= 62 || initial > (max >> doublings))
        ceiling = max;
    else
        ceiling = initial << doublings;
    // (NaN and values outside [0, 1), clamped above, would put the delay outside
    // [0, ceiling].)
    // floor(r * (ceiling + 1)) draws each whole millisecond in [0, ceiling] equally often.
    double ms = std::floor(random01 * (static_cast<double>(ceiling) + 1.0));
    // Compared as doubles first: near 2^63 the product can round past what int64 holds.
    if (ms >= static_cast<double>(ceiling)) return std::chrono::milliseconds{ceiling};
    return std::chrono::milliseconds{static_cast<std::int64_t>(ms)};
}

std::optional<seconds> parse_retry_after(std::string_view value, Timestamp now) {
    value = trim(value);
    if (all_digits(value)) {
        std::int64_t n = 0;
        auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
        // More digits than int64 holds is still a number of seconds, only a long one.
        if (ec == std::errc::result_out_of_range) return kMaxRetryAfter;
        if (ec != std::errc{} || end != value.data() + value.size()) return std::nullopt;
        return std::min(seconds{n}, kMaxRetryAfter);
    }
    auto date = parse_imf_fixdate(value);
    if (!date) return std::nullopt;
    // Rounded up: retrying a fraction of a second before the date the server named is early.
    auto wait = std::chrono::ceil<seconds>(*date - now);
    return std::clamp(wait, seconds{0}, kMaxRetryAfter);
}

bool is_private_address(std::string_view ip) {
    if (ip.size() >= 2 && ip.front() == '[' && ip.back() == ']') ip = ip.substr(1, ip.size() - 2);
    // Longer than any address (with a zone id) is not an address; keeps the buffer bounded.
    if (ip.empty() || ip.size() > 100) return false;
    std::string text(ip);
    std::uint8_t bytes[16];
    if (text.find(':') == std::string::npos) {
        if (inet_pton(AF_INET, text.c_str(), bytes) != 1) return false;
        return is_private_ipv4(ipv4_value(bytes));
    }
    // A zone id ("fe80::1%eth0", "%25eth0" in URLs) scopes an address to an interface; the
    // address itself still decides.
    text = text.substr(0, text.find('%'));
    if (inet_pton(AF_INET6, text.c_str(), bytes) != 1) return false;
    return is_private_ipv6(bytes);
}

}  // namespace etp::webhook
