#pragma once
// The librdkafka client errors that mean the broker refused our credentials or the TLS
// handshake failed (an untrusted certificate, a plaintext listener). librdkafka retries them
// like any connection error and so do we; they are reported once, clearly, and as the reason
// the client is not ready. Pure functions; thread-safe.

#include <string>
#include <string_view>

namespace etp::bus {

enum class SecurityFailure { kNone, kAuthentication, kTls };

// `error_name` as rd_kafka_err2name gives it ("_AUTHENTICATION", "_SSL", "_TRANSPORT", ...),
// `reason` the error's text.
SecurityFailure classify_security_failure(std::string_view error_name, std::string_view reason);

// The log message and readiness prefix: "kafka authentication failed", "kafka TLS handshake
// failed".
std::string_view describe(SecurityFailure failure);

// The reason without librdkafka's suffix that changes from one attempt to the next: "(after
// 12ms in state AUTH_REQ)", "(after 3ms in state SSL_HANDSHAKE, 4 identical error(s)
// suppressed)".
std::string without_attempt_suffix(std::string_view reason);

}  // namespace etp::bus
