#include "etp/bus/security_failure.hpp"

namespace etp::bus {

SecurityFailure classify_security_failure(std::string_view error_name, std::string_view reason) {
    // librdkafka maps the broker's SASL_AUTHENTICATION_FAILED to _AUTHENTICATION; both are
    // listed in case a broker's code comes through as is.
    if (error_name == "_AUTHENTICATION" || error_name == "SASL_AUTHENTICATION_FAILED")
        return SecurityFailure::kAuthentication;
    if (error_name == "_SSL") return SecurityFailure::kTls;
    // librdkafka reports some handshake failures as transport errors: a TLS client on a
    // plaintext listener ("SSL handshake failed: Disconnected"), and an untrusted certificate
    // noticed while reading ("...certificate verify failed (after 10ms in state
    // SSL_HANDSHAKE)").
    if (error_name == "_TRANSPORT" &&
        (reason.find("SSL handshake failed") != std::string_view::npos ||
         reason.find("in state SSL_HANDSHAKE") != std::string_view::npos))
        return SecurityFailure::kTls;
    return SecurityFailure::kNone;
}

std::string_view describe(SecurityFailure failure) {
    switch (failure) {
        case SecurityFailure::kAuthentication:
            return "kafka authentication failed";
        case SecurityFailure::kTls:
            return "kafka TLS handshake failed";
        case SecurityFailure::kNone:
            break;
    }
    return "kafka connection failed";
}

std::string without_attempt_suffix(std::string_view reason) {
    const std::size_t at = reason.rfind(" (after ");
    if (at != std::string_view::npos && reason.ends_with(")")) reason = reason.substr(0, at);
    return std::string(reason);
}

}  // namespace etp::bus
