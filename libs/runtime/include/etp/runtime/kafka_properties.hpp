#pragma once
// The librdkafka properties every Kafka client of a service gets: the KAFKA_* security settings
// and a pass-through properties file, merged and cross-checked; and redaction of the properties
// that hold secrets. Pure functions (file reading is injected); thread-safe.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace etp::runtime {

// librdkafka property name -> value.
using KafkaProperties = std::map<std::string, std::string>;

// The settings as read from the environment; empty means not set. security_protocol is lower
// case and sasl_mechanism upper case (ConfigSpec::choice normalises them).
struct KafkaSecuritySettings {
    std::string security_protocol;  // plaintext, ssl, sasl_plaintext, sasl_ssl
    std::string sasl_mechanism;     // PLAIN, SCRAM-SHA-256, SCRAM-SHA-512
    std::string sasl_username;
    std::string sasl_password;
    std::string sasl_password_file;
    std::string ssl_ca_location;
    std::string ssl_certificate_location;
    std::string ssl_key_location;
    std::string ssl_key_password;
    std::string properties_file;
};

// Returns a file's whole content, or nullopt with *error set to the reason.
using FileReader =
    std::function<std::optional<std::string>(const std::string& path, std::string* error)>;
std::optional<std::string> read_text_file(const std::string& path, std::string* error);

// A properties file: one `key=value` a line, whitespace around key and value trimmed, blank
// lines and lines starting with `#` ignored; a later line wins over an earlier one with the
// same key. A malformed line, or a property the platform sets itself (bootstrap.servers,
// group.id, acks, ...), is a problem naming the line number, never its text (it may hold a
// secret).
KafkaProperties parse_kafka_properties(std::string_view text, std::vector<std::string>& problems);

// The properties file first, then the explicit settings over it; then the cross-checks (a SASL
// protocol needs a mechanism, and PLAIN/SCRAM need a username and a password; SASL or SSL
// settings need a protocol that uses them). Appends every problem found to `problems`.
KafkaProperties build_kafka_properties(const KafkaSecuritySettings& settings,
                                       const FileReader& read_file,
                                       std::vector<std::string>& problems);

// Whether a property's value is a secret: its name contains "password", "secret", "token" or
// is one librdkafka itself treats as sensitive (ssl.key.pem, sasl.oauthbearer.config, ...).
bool is_secret_kafka_property(std::string_view name);

// `text` with every secret property's value replaced by "***".
std::string redact_kafka_secrets(std::string text, const KafkaProperties& properties);

// "name=value, name=***, ..." for logs.
std::string describe_kafka_properties(const KafkaProperties& properties);

}  // namespace etp::runtime
