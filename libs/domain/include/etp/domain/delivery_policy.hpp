#pragma once
// What the dispatcher does with a webhook attempt's outcome, and where it may send webhooks.
// Pure; thread-safe.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "etp/domain/time.hpp"
#include "etp/domain/trigger.hpp"

namespace etp::webhook {

enum class Verdict { kSucceeded, kRetry, kGiveUp };

// 2xx succeeds; 5xx, 408 and 429 retry; any other status gives up at once.
Verdict classify_status(int http_status);

// The wait before attempt `attempts_done + 1`, where `random01` in [0, 1) is the caller's
// random draw (so tests are deterministic). With a schedule: its entry attempts_done - 1 (the
// last one past its end) times 0.8 + 0.4 * random01 (±20 % jitter). Otherwise exponential
// backoff with full jitter: uniform in
// [0, min(max_backoff_ms, initial_backoff_ms * 2^(attempts_done - 1))].
std::chrono::milliseconds backoff_delay(const RetryPolicy& policy, std::int64_t attempts_done,
                                        double random01);

// The longest wait a Retry-After can ask for: a bogus header must not park a delivery.
inline constexpr std::chrono::seconds kMaxRetryAfter = std::chrono::hours(24);

// A Retry-After value: delta-seconds or an IMF-fixdate HTTP-date (relative to `now`; a date in
// the past is 0 s), at most kMaxRetryAfter (any longer wait, however many digits, is that; so
// the result converts to milliseconds or microseconds without overflow). Nullopt when malformed.
std::optional<std::chrono::seconds> parse_retry_after(std::string_view value, Timestamp now);

// True for an IP address literal (IPv4 dotted quad or IPv6, optionally in [brackets]) that a
// webhook must not reach unless private targets are allowed: unspecified, loopback, private
// (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), shared address
// space 100.64/10, 0/8, 192.0.0/24, benchmarking 198.18/15, multicast, broadcast, the
// IPv4-mapped/compatible/translated and NAT64 IPv6 forms of these, and the 6to4 (2002::/16) and
// Teredo (2001:0::/32) tunnels. False for public addresses and for anything that is not an IP
// literal. URLs: net::is_private_host (create time) and the client's address policy (what a
// name resolves to) both decide with this.
bool is_private_address(std::string_view ip);

}  // namespace etp::webhook
