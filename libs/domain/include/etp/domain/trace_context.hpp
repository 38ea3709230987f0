#pragma once
// W3C Trace Context (traceparent, tracestate) as the platform carries it with each event: read
// from a fire request (an invalid one is ignored and a new trace started, as the standard asks),
// started fresh otherwise, and passed on in the CloudEvent, the Kafka headers and every webhook
// attempt. Only the format; no tracing SDK. Value type; the functions are pure except for the
// ones that draw random ids (OpenSSL's CSPRNG), and all are thread-safe.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "etp/domain/ids.hpp"

namespace etp {

// A tracestate longer than this is dropped, not passed on (the standard's propagation limit).
inline constexpr std::size_t kMaxTracestateBytes = 512;
inline constexpr std::size_t kMaxTracestateMembers = 32;
inline constexpr std::uint8_t kTraceFlagSampled = 0x01;

struct TraceContext {
    std::array<std::uint8_t, 16> trace_id{};
    std::array<std::uint8_t, 8> parent_id{};  // the span that sent it on
    std::uint8_t flags = 0;
    std::string tracestate;  // validated; empty: none

    // "00-<32 hex trace-id>-<16 hex parent-id>-<2 hex flags>", lower case.
    std::string traceparent() const;
    std::string trace_id_hex() const;
    std::string parent_id_hex() const;
    // The same trace (id, flags, tracestate) with a new random span id as the parent: what a
    // participant sends on for a span of its own (a gateway request, a webhook attempt).
    TraceContext child() const;

    bool operator==(const TraceContext&) const = default;
};

// A traceparent header value, nullopt when invalid: version 00 is exactly 55 characters of
// lower-case hex fields; a higher version (not ff) is read by its first 55 characters when
// those are followed by nothing or '-', and only the sampled flag of it is kept. An all-zero
// trace-id or parent-id is invalid. The tracestate is left empty.
std::optional<TraceContext> parse_traceparent(std::string_view text);

// A tracestate header value as it is passed on: its list members, blanks and empty members
// dropped, joined by ','; empty when it is invalid (a key or value off the standard's grammar,
// a key twice, more than 32 members) or longer than kMaxTracestateBytes.
std::string clean_tracestate(std::string_view text);

// The context of a request's headers: nullopt when traceparent is absent or invalid (start a new
// trace then); the tracestate only with a valid traceparent.
std::optional<TraceContext> trace_context_from_headers(std::optional<std::string_view> traceparent,
                                                       std::optional<std::string_view> tracestate);

// A new trace: random trace-id and parent-id, sampled.
TraceContext new_trace();
// The trace of an event fired without one (a schedule, a change, an event logged before traces
// were kept): trace-id and parent-id from the SHA-256 of the event id, sampled, so a replayed
// firing has the same trace.
TraceContext trace_for_event(const EventId& event);

}  // namespace etp
