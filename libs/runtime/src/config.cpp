#include "etp/runtime/config.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <sstream>

#include "etp/runtime/kafka_properties.hpp"

namespace etp::runtime {
namespace {

std::optional<std::int64_t> parse_int(std::string_view text) {
    std::int64_t value = 0;
    if (text.empty()) return std::nullopt;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || ptr != text.data() + text.size()) return std::nullopt;
    return value;
}

bool is_valid_host(std::string_view host) {
    if (host.empty()) return false;
    if (host.front() == '[') return host.back() == ']' && host.size() > 2;  // IPv6 literal
    for (char c : host) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_';
        if (!ok) return false;
    }
    return true;
}

bool is_valid_port(std::string_view text) {
    auto port = parse_int(text);
    return port && *port >= 1 && *port <= 65535;
}

// "host:port" with an optional port when allow_no_port.
bool is_valid_host_port(std::string_view text, bool allow_no_port) {
    std::size_t colon = text.rfind(':');
    if (!text.empty() && text.front() == '[') {
        std::size_t close = text.find(']');
        if (close == std::string_view::npos) return false;
        colon = text.find(':', close);
    }
    if (colon == std::string_view::npos) return allow_no_port && is_valid_host(text);
    return is_valid_host(text.substr(0, colon)) && is_valid_port(text.substr(colon + 1));
}

}  // namespace

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
    if (text.empty()) return std::nullopt;
    std::chrono::milliseconds total{0};
    while (!text.empty()) {
        std::size_t digits = 0;
        while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
        // 18 digits always fit in int64; the limit below then decides (36500d is
        // 3153600000000ms, 13 digits).
        if (digits == 0 || digits > 18) return std::nullopt;
        auto number = parse_int(text.substr(0, digits));
        text.remove_prefix(digits);
        std::size_t unit_len = 0;
        while (unit_len < text.size() && text[unit_len] >= 'a' && text[unit_len] <= 'z') ++unit_len;
        std::string_view unit = text.substr(0, unit_len);
        text.remove_prefix(unit_len);
        std::int64_t factor = 0;
        if (unit == "ms")
            factor = 1;
        else if (unit == "s")
            factor = 1000;
        else if (unit == "m")
            factor = 60'000;
        else if (unit == "h")
            factor = 3'600'000;
        else if (unit == "d")
            factor = 86'400'000;
        else
            return std::nullopt;
        // Each part, and so the sum of two, stays far below INT64_MAX milliseconds.
        if (*number > kMaxDuration.count() / factor) return std::nullopt;
        total += std::chrono::milliseconds(*number * factor);
        if (total > kMaxDuration) return std::nullopt;
    }
    return total;
}

std::string redact_postgres_url(std::string_view text) {
    std::string out(text);
    if (std::size_t scheme = out.find("://"); scheme != std::string::npos) {
        std::size_t start = scheme + 3;
        std::size_t at = out.rfind('@');
        if (at != std::string::npos && at > start) {
            std::size_t colon = out.find(':', start);
            if (colon != std::string::npos && colon < at)
                out.replace(colon + 1, at - colon - 1, "***");
        }
    }
    // password=..., key=value form (quoted or not) or a query parameter; keys are matched
    // without regard to case, as a typo'd "Password" is still one.
    std::string lower = out;
    std::transform(lower.begin(), lower.end(), lower.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    std::size_t pos = 0;
    while ((pos = lower.find("password", pos)) != std::string::npos) {
        std::size_t value = pos + 8;
        while (value < out.size() && out[value] == ' ') ++value;
        if (value >= out.size() || out[value] != '=') {
            pos = value;
            continue;
        }
        ++value;
        while (value < out.size() && out[value] == ' ') ++value;
        std::size_t end = value;
        if (end < out.size() && out[end] == '\'') {
            ++end;
            while (end < out.size() && out[end] != '\'') end += out[end] == '\\' ? 2 : 1;
            end = std::min(end + 1, out.size());
        } else {
            while (end < out.size() && out[end] != '&' && out[end] != ' ') ++end;
        }
        out.replace(value, end - value, "***");
        lower.replace(value, end - value, "***");
        pos = value + 3;
    }
    return out;
}

bool is_valid_postgres_url(std::string_view text) {
    for (std::string_view scheme : {"postgresql://", "postgres://"}) {
        if (text.starts_with(scheme)) {
            std::string_view rest = text.substr(scheme.size());
            std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
            std::size_t at = authority.rfind('@');
            if (at != std::string_view::npos) authority.remove_prefix(at + 1);
            if (authority.empty()) return true;  // local socket, libpq defaults
            std::size_t start = 0;
            while (start <= authority.size()) {  // libpq allows host1:port1,host2:port2
                std::size_t comma = authority.find(',', start);
                std::string_view one =
                    authority.substr(start, comma == std::string_view::npos ? std::string_view::npos
                                                                            : comma - start);
                if (!is_valid_host_port(one, true)) return false;
                if (comma == std::string_view::npos) break;
                start = comma + 1;
            }
            return true;
        }
    }
    // libpq keyword form: every token is key=value.
    std::istringstream in{std::string(text)};
    std::string token;
    bool any = false;
    while (in >> token) {
        std::size_t eq = token.find('=');
        if (eq == std::string::npos || eq == 0) return false;
        any = true;
    }
    return any;
}

bool is_valid_broker_list(std::string_view text) {
    if (text.empty()) return false;
    std::size_t start = 0;
    while (true) {
        std::size_t comma = text.find(',', start);
        std::string_view one = text.substr(
            start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
        // Kafka clients accept an optional PLAINTEXT:// style prefix.
        if (std::size_t scheme = one.find("://"); scheme != std::string_view::npos)
            one.remove_prefix(scheme + 3);
        if (!is_valid_host_port(one, false)) return false;
        if (comma == std::string_view::npos) return true;
        start = comma + 1;
    }
}

ConfigSpec::ConfigSpec(std::string program, std::string summary)
    : program_(std::move(program)), summary_(std::move(summary)) {}

ConfigSpec& ConfigSpec::add(Var var) {
    vars_.push_back(std::move(var));
    return *this;
}

ConfigSpec& ConfigSpec::text(std::string name, std::string fallback, std::string help,
                             std::string& out) {
    return add({std::move(name), std::move(fallback), std::move(help), false,
                [&out](const std::string& v) -> std::optional<std::string> {
                    out = v;
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::secret(std::string name, std::string help, std::string& out) {
    return add({std::move(name), "", std::move(help), true,
                [&out](const std::string& v) -> std::optional<std::string> {
                    out = v;
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::integer(std::string name, std::int64_t fallback, std::string help,
                                std::int64_t& out, std::int64_t min, std::int64_t max) {
    return add({std::move(name), std::to_string(fallback), std::move(help), false,
                [&out, min, max](const std::string& v) -> std::optional<std::string> {
                    auto n = parse_int(v);
                    if (!n || *n < min || *n > max)
                        return "must be an integer from " + std::to_string(min) + " to " +
                               std::to_string(max);
                    out = *n;
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::port(std::string name, int fallback, std::string help, int& out) {
    return add({std::move(name), std::to_string(fallback), std::move(help), false,
                [&out](const std::string& v) -> std::optional<std::string> {
                    auto n = parse_int(v);
                    if (!n || *n < 0 || *n > 65535) return "must be a port number from 0 to 65535";
                    out = static_cast<int>(*n);
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::host(std::string name, std::string fallback, std::string help,
                             std::string& out) {
    return add({std::move(name), std::move(fallback), std::move(help), false,
                [&out](const std::string& v) -> std::optional<std::string> {
                    std::string_view text = v;
                    if (text.size() > 2 && text.front() == '[' && text.back() == ']')
                        text = text.substr(1, text.size() - 2);
                    bool ipv6 = std::count(text.begin(), text.end(), ':') >= 2 &&
                                std::all_of(text.begin(), text.end(), [](char c) {
                                    return std::isxdigit(static_cast<unsigned char>(c)) ||
                                           c == ':' || c == '.';
                                });
                    if (!ipv6 && !is_valid_host(text))
                        return "must be a host name or an IP address such as 0.0.0.0 or ::1";
                    out = std::string(text);
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::duration(std::string name, std::string fallback, std::string help,
                                 std::chrono::milliseconds& out) {
    return add({std::move(name), std::move(fallback), std::move(help), false,
                [&out](const std::string& v) -> std::optional<std::string> {
                    auto d = parse_duration(v);
                    if (!d)
                        return "must be a duration such as 500ms, 30s, 5m, 2h or 1h30m, "
                               "at most 36500d (100 years)";
                    out = *d;
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::postgres_url(std::string name, std::string fallback, std::string help,
                                     std::string& out) {
    return add({std::move(name), std::move(fallback), std::move(help), false,
                [&out](const std::string& v) -> std::optional<std::string> {
                    if (!is_valid_postgres_url(v))
                        return "must be a PostgreSQL URL such as "
                               "postgresql://user:password@host:5432/dbname";
                    out = v;
                    return std::nullopt;
                },
                [](const std::string& v) { return redact_postgres_url(v); }});
}

ConfigSpec& ConfigSpec::brokers(std::string name, std::string fallback, std::string help,
                                std::string& out) {
    return add({std::move(name), std::move(fallback), std::move(help), false,
                [&out](const std::string& v) -> std::optional<std::string> {
                    if (!is_valid_broker_list(v))
                        return "must be a comma-separated list of host:port";
                    out = v;
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::log_level(std::string name, std::string fallback, std::string help,
                                  log::Level& out) {
    return add({std::move(name), std::move(fallback), std::move(help), false,
                [&out](const std::string& v) -> std::optional<std::string> {
                    auto level = log::parse_level(v);
                    if (!level) return "must be one of debug, info, warn, error";
                    out = *level;
                    return std::nullopt;
                }});
}

ConfigSpec& ConfigSpec::choice(std::string name, std::string fallback, std::string help,
                               std::vector<std::string> allowed, std::string& out) {
    return add(
        {std::move(name), std::move(fallback), std::move(help), false,
         [&out, allowed = std::move(allowed)](const std::string& v) -> std::optional<std::string> {
             if (v.empty()) {
                 out.clear();
                 return std::nullopt;
             }
             auto same = [&v](const std::string& a) {
                 return a.size() == v.size() &&
                        std::equal(a.begin(), a.end(), v.begin(), [](char x, char y) {
                            return std::tolower(static_cast<unsigned char>(x)) ==
                                   std::tolower(static_cast<unsigned char>(y));
                        });
             };
             for (const auto& a : allowed) {
                 if (same(a)) {
                     out = a;
                     return std::nullopt;
                 }
             }
             std::string list;
             for (std::size_t i = 0; i < allowed.size(); ++i) {
                 if (i > 0) list += i + 1 == allowed.size() ? " or " : ", ";
                 list += allowed[i];
             }
             return "must be " + list;
         }});
}

ConfigSpec& ConfigSpec::check(std::function<std::vector<std::string>()> rule) {
    checks_.push_back(std::move(rule));
    return *this;
}

ConfigSpec& ConfigSpec::flag(std::string argument, std::string help, bool& out) {
    flags_.push_back({std::move(argument), std::move(help), &out});
    out = false;
    return *this;
}

std::string ConfigSpec::help_text() const {
    std::ostringstream out;
    out << "Usage: " << program_ << " [--help]";
    for (const auto& f : flags_) out << " [" << f.argument << "]";
    out << "\n\n" << summary_ << "\n\nConfigured by environment variables:\n";
    std::size_t width = 0;
    for (const auto& v : vars_) width = std::max(width, v.name.size());
    for (const auto& v : vars_) {
        out << "  " << v.name << std::string(width - v.name.size() + 2, ' ') << v.help;
        if (v.is_secret)
            out << " (secret; no default)";
        else if (v.fallback.empty())
            out << " (default: empty)";
        else
            out << " (default: " << v.fallback << ")";
        out << "\n";
    }
    if (!flags_.empty()) {
        out << "\nOptions:\n";
        for (const auto& f : flags_) out << "  " << f.argument << "  " << f.help << "\n";
        out << "  --help  print this text and exit\n";
    }
    return out.str();
}

std::vector<std::string> ConfigSpec::parse(const EnvLookup& env,
                                           const std::vector<std::string>& args,
                                           bool* help_requested) {
    std::vector<std::string> problems;
    *help_requested = false;
    for (const auto& arg : args) {
        if (arg == "--help" || arg == "-h") {
            *help_requested = true;
            continue;
        }
        bool known = false;
        for (auto& f : flags_) {
            if (f.argument == arg) {
                *f.out = true;
                known = true;
            }
        }
        if (!known) problems.push_back("unknown argument " + arg + " (see --help)");
    }
    if (*help_requested) return {};
    for (const auto& v : vars_) {
        std::optional<std::string> value = env(v.name);
        const std::string& text = value ? *value : v.fallback;
        if (auto problem = v.apply(text)) {
            if (v.is_secret || !value)
                problems.push_back(v.name + " " + *problem);
            else
                problems.push_back(v.name + "=\"" + (v.shown ? v.shown(text) : text) + "\" " +
                                   *problem);
        }
    }
    if (!problems.empty()) return problems;
    for (const auto& rule : checks_) {
        for (auto& problem : rule()) problems.push_back(std::move(problem));
    }
    return problems;
}

std::optional<int> ConfigSpec::parse_or_exit_code(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    bool help = false;
    auto problems = parse(
        [](std::string_view name) -> std::optional<std::string> {
            const char* v = std::getenv(std::string(name).c_str());
            if (v == nullptr) return std::nullopt;
            return std::string(v);
        },
        args, &help);
    if (help) {
        std::cout << help_text();
        return 0;
    }
    if (!problems.empty()) {
        std::string line = program_ + ": invalid configuration: ";
        for (std::size_t i = 0; i < problems.size(); ++i) {
            if (i > 0) line += "; ";
            line += problems[i];
        }
        std::cerr << line << "\n";
        return 2;
    }
    return std::nullopt;
}

// The settings live as long as the spec: its parsers write into them and its check reads them.
void add_kafka_security(ConfigSpec& spec, std::map<std::string, std::string>& properties) {
    auto kafka = std::make_shared<KafkaSecuritySettings>();
    spec.choice("KAFKA_SECURITY_PROTOCOL", "",
                "plaintext, ssl, sasl_plaintext or sasl_ssl; empty means plaintext",
                {"plaintext", "ssl", "sasl_plaintext", "sasl_ssl"}, kafka->security_protocol)
        .choice("KAFKA_SASL_MECHANISM", "",
                "PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; required with a sasl_* protocol",
                {"PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"}, kafka->sasl_mechanism)
        .text("KAFKA_SASL_USERNAME", "", "SASL user name", kafka->sasl_username)
        .secret("KAFKA_SASL_PASSWORD", "SASL password (or KAFKA_SASL_PASSWORD_FILE)",
                kafka->sasl_password)
        .text("KAFKA_SASL_PASSWORD_FILE", "",
              "file holding the SASL password, read at start (a trailing newline is dropped)",
              kafka->sasl_password_file)
        .text("KAFKA_SSL_CA_LOCATION", "",
              "PEM file of the CA certificates that sign the brokers' (unset: the system's)",
              kafka->ssl_ca_location)
        .text("KAFKA_SSL_CERTIFICATE_LOCATION", "",
              "PEM file of the client certificate, for brokers that require TLS client auth",
              kafka->ssl_certificate_location)
        .text("KAFKA_SSL_KEY_LOCATION", "", "PEM file of the client certificate's private key",
              kafka->ssl_key_location)
        .secret("KAFKA_SSL_KEY_PASSWORD", "password of KAFKA_SSL_KEY_LOCATION, if encrypted",
                kafka->ssl_key_password)
        .text("KAFKA_PROPERTIES_FILE", "",
              "file of further librdkafka properties, key=value a line, # comments; the "
              "KAFKA_* variables override it",
              kafka->properties_file)
        .check([kafka, &properties] {
            std::vector<std::string> problems;
            properties = build_kafka_properties(*kafka, read_text_file, problems);
            return problems;
        });
}

void add_common(ConfigSpec& spec, CommonConfig& config, int default_admin_port,
                const std::string& default_statement_timeout) {
    spec.postgres_url("DATABASE_URL", "postgresql://etp@127.0.0.1:5432/etp",
                      "the platform's PostgreSQL database", config.database_url)
        .duration("DATABASE_STATEMENT_TIMEOUT", default_statement_timeout,
                  "longest a statement on a pooled database connection may run before "
                  "PostgreSQL cancels it (statement_timeout); 0s leaves the server's setting",
                  config.statement_timeout)
        .brokers("KAFKA_BROKERS", "127.0.0.1:9092", "Kafka bootstrap servers", config.kafka_brokers)
        .text("KAFKA_TOPIC_PREFIX", "etp.", "prefix of every topic name", config.topic_prefix);
    add_kafka_security(spec, config.kafka_properties);
    spec.log_level("LOG_LEVEL", "info", "debug, info, warn or error", config.log_level)
        .host("ADMIN_HOST", "0.0.0.0",
              "address the admin HTTP server binds (127.0.0.1 keeps it to this machine)",
              config.admin_host)
        .port("ADMIN_PORT", default_admin_port,
              "port of the admin HTTP server (/healthz, /readyz, /metrics); 0 picks a free one",
              config.admin_port)
        .duration("SHUTDOWN_TIMEOUT", "8s", "how long a SIGTERM may take to finish in-flight work",
                  config.shutdown_timeout);
}

}  // namespace etp::runtime
