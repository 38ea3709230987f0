#include "etp/runtime/kafka_properties.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace etp::runtime {
namespace {

// Set by the bus itself from its own configuration; a file overriding them would silently
// break what the platform relies on (idempotence, manual commits, the broker list in
// KAFKA_BROKERS, the produce deadline). librdkafka's aliases are listed with their targets.
constexpr std::array<std::string_view, 15> kReserved = {
    "bootstrap.servers",
    "metadata.broker.list",
    "client.id",
    "group.id",
    "enable.idempotence",
    "acks",
    "request.required.acks",
    "enable.auto.commit",
    "auto.commit.enable",
    "enable.auto.offset.store",
    "auto.offset.reset",
    "linger.ms",
    "queue.buffering.max.ms",
    "delivery.timeout.ms",
    "message.timeout.ms",
};

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }

std::string_view trim(std::string_view text) {
    while (!text.empty() && is_space(text.front())) text.remove_prefix(1);
    while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
    return text;
}

std::string lower(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return out;
}

std::string upper(std::string_view text) {
    std::string out(text);
    std::transform(out.begin(), out.end(), out.begin(),
                   [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    return out;
}

std::string value_of(const KafkaProperties& properties, const std::string& name) {
    auto it = properties.find(name);
    return it == properties.end() ? std::string() : it->second;
}

void set_if(KafkaProperties& properties, const std::string& name, const std::string& value) {
    if (!value.empty()) properties[name] = value;
}

// The cross-checks, on the merged properties, so that a value from the file counts as much as
// one from the environment.
void check_consistency(const KafkaProperties& properties, std::vector<std::string>& problems) {
    const std::string protocol = lower(value_of(properties, "security.protocol"));
    const std::string shown = protocol.empty() ? "plaintext (the default)" : protocol;
    const bool sasl = protocol == "sasl_plaintext" || protocol == "sasl_ssl";
    const bool tls = protocol == "ssl" || protocol == "sasl_ssl";
    const std::string mechanism = upper(value_of(properties, "sasl.mechanism"));
    const bool has_username = !value_of(properties, "sasl.username").empty();
    const bool has_password = !value_of(properties, "sasl.password").empty();

    if (sasl) {
        if (mechanism.empty()) {
            problems.push_back(
                "KAFKA_SASL_MECHANISM (sasl.mechanism) must be set with security "
                "protocol " +
                protocol + ": PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512");
        } else if (mechanism == "PLAIN" || mechanism.starts_with("SCRAM-")) {
            if (!has_username)
                problems.push_back(
                    "KAFKA_SASL_USERNAME (sasl.username) must be set with SASL "
                    "mechanism " +
                    mechanism);
            if (!has_password)
                problems.push_back(
                    "KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE (sasl.password) must be set "
                    "with SASL mechanism " +
                    mechanism);
        }
    } else {
        if (!mechanism.empty())
            problems.push_back(
                "KAFKA_SASL_MECHANISM (sasl.mechanism) needs KAFKA_SECURITY_PROTOCOL "
                "sasl_plaintext or sasl_ssl, not " +
                shown);
        if (has_username || has_password)
            problems.push_back(
                "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD (sasl.username, sasl.password) need "
                "KAFKA_SECURITY_PROTOCOL sasl_plaintext or sasl_ssl, not " +
                shown);
    }
    if (!tls) {
        for (const char* name : {"ssl.ca.location", "ssl.certificate.location", "ssl.key.location",
                                 "ssl.key.password"}) {
            if (!value_of(properties, name).empty()) {
                problems.push_back(std::string(name) +
                                   " (KAFKA_SSL_*) needs KAFKA_SECURITY_PROTOCOL ssl or sasl_ssl, "
                                   "not " +
                                   shown);
            }
        }
    }
}

}  // namespace

std::optional<std::string> read_text_file(const std::string& path, std::string* error) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        *error = std::strerror(errno);
        return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    if (in.bad()) {
        *error = "read failed";
        return std::nullopt;
    }
    return content.str();
}

KafkaProperties parse_kafka_properties(std::string_view text, std::vector<std::string>& problems) {
    KafkaProperties properties;
    int number = 0;
    while (!text.empty()) {
        ++number;
        const std::size_t end = text.find('\n');
        std::string_view line = trim(text.substr(0, end));
        text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
        if (line.empty() || line.front() == '#') continue;
        const std::string where = "KAFKA_PROPERTIES_FILE line " + std::to_string(number) + ": ";
        const std::size_t eq = line.find('=');
        if (eq == std::string_view::npos) {
            problems.push_back(where + "expected key=value");
            continue;
        }
        std::string key(trim(line.substr(0, eq)));
        if (key.empty() || key.find_first_of(" \t") != std::string::npos) {
            problems.push_back(where + "expected key=value");
            continue;
        }
        if (key == "sasl.mechanisms") key = "sasl.mechanism";  // librdkafka's alias
        if (std::find(kReserved.begin(), kReserved.end(), key) != kReserved.end()) {
            problems.push_back(where + key + " is set by the platform and cannot be changed");
            continue;
        }
        properties[key] = std::string(trim(line.substr(eq + 1)));
    }
    return properties;
}

KafkaProperties build_kafka_properties(const KafkaSecuritySettings& settings,
                                       const FileReader& read_file,
                                       std::vector<std::string>& problems) {
    const std::size_t problems_before = problems.size();
    KafkaProperties properties;
    if (!settings.properties_file.empty()) {
        std::string error;
        if (auto text = read_file(settings.properties_file, &error)) {
            properties = parse_kafka_properties(*text, problems);
            if (auto it = properties.find("security.protocol"); it != properties.end()) {
                const std::string protocol = lower(it->second);
                if (protocol != "plaintext" && protocol != "ssl" && protocol != "sasl_plaintext" &&
                    protocol != "sasl_ssl") {
                    problems.push_back(
                        "KAFKA_PROPERTIES_FILE: security.protocol must be plaintext, ssl, "
                        "sasl_plaintext or sasl_ssl");
                }
            }
        } else {
            problems.push_back("KAFKA_PROPERTIES_FILE=\"" + settings.properties_file +
                               "\" cannot be read: " + error);
        }
    }

    std::string password = settings.sasl_password;
    if (!settings.sasl_password.empty() && !settings.sasl_password_file.empty()) {
        problems.push_back(
            "KAFKA_SASL_PASSWORD and KAFKA_SASL_PASSWORD_FILE are both set; use one");
    } else if (!settings.sasl_password_file.empty()) {
        std::string error;
        if (auto text = read_file(settings.sasl_password_file, &error)) {
            // Secret files usually end with a newline that is not part of the password.
            while (!text->empty() && (text->back() == '\n' || text->back() == '\r'))
                text->pop_back();
            if (text->empty())
                problems.push_back("KAFKA_SASL_PASSWORD_FILE=\"" + settings.sasl_password_file +
                                   "\" is empty");
            password = std::move(*text);
        } else {
            problems.push_back("KAFKA_SASL_PASSWORD_FILE=\"" + settings.sasl_password_file +
                               "\" cannot be read: " + error);
        }
    }

    set_if(properties, "security.protocol", settings.security_protocol);
    set_if(properties, "sasl.mechanism", settings.sasl_mechanism);
    set_if(properties, "sasl.username", settings.sasl_username);
    set_if(properties, "sasl.password", password);
    set_if(properties, "ssl.ca.location", settings.ssl_ca_location);
    set_if(properties, "ssl.certificate.location", settings.ssl_certificate_location);
    set_if(properties, "ssl.key.location", settings.ssl_key_location);
    set_if(properties, "ssl.key.password", settings.ssl_key_password);

    // A file that could not be read would only be reported again as what it failed to set.
    if (problems.size() == problems_before) check_consistency(properties, problems);
    return properties;
}

bool is_secret_kafka_property(std::string_view name) {
    const std::string n = lower(name);
    for (std::string_view part : {"password", "secret", "token", "credential"}) {
        if (n.find(part) != std::string::npos) return true;
    }
    // librdkafka's own sensitive properties that the words above miss.
    for (std::string_view exact : {"sasl.oauthbearer.config", "ssl.key.pem", "ssl_key"}) {
        if (n == exact) return true;
    }
    return false;
}

std::string redact_kafka_secrets(std::string text, const KafkaProperties& properties) {
    for (const auto& [name, value] : properties) {
        if (value.empty() || !is_secret_kafka_property(name)) continue;
        for (std::size_t at = text.find(value); at != std::string::npos;
             at = text.find(value, at + 3)) {
            text.replace(at, value.size(), "***");
        }
    }
    return text;
}

std::string describe_kafka_properties(const KafkaProperties& properties) {
    std::string out;
    for (const auto& [name, value] : properties) {
        if (!out.empty()) out += ", ";
        out += name + "=" + (is_secret_kafka_property(name) ? "***" : value);
    }
    return out;
}

}  // namespace etp::runtime
