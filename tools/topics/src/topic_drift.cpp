#include "topic_drift.hpp"

#include <charconv>
#include <optional>
#include <set>
#include <sstream>

namespace etp::topics {
namespace {

std::optional<long long> parse_number(const std::string& text) {
    long long value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc{} || end != text.data() + text.size()) return std::nullopt;
    return value;
}

// "compact,delete" and "delete, compact" are the same policy.
std::set<std::string> policy_set(const std::string& text) {
    std::set<std::string> parts;
    std::stringstream in(text);
    std::string part;
    while (std::getline(in, part, ',')) {
        const auto first = part.find_first_not_of(' ');
        const auto last = part.find_last_not_of(' ');
        if (first != std::string::npos) parts.insert(part.substr(first, last - first + 1));
    }
    return parts;
}

std::string retention_text(long long ms) {
    return ms < 0 ? "unlimited" : std::to_string(ms) + " (" + format_ms(ms) + ")";
}

std::string observed_value(const ObservedState& observed, const std::string& name) {
    auto it = observed.configs.find(name);
    return it == observed.configs.end() ? std::string("(not reported)") : it->second;
}

void compare_retention(const std::string& wanted_text, const ObservedState& observed,
                       Comparison& out) {
    const auto wanted = parse_number(wanted_text);
    const auto seen = parse_number(observed_value(observed, "retention.ms"));
    if (!wanted || !seen) {
        if (observed_value(observed, "retention.ms") != wanted_text)
            out.drift.push_back("retention.ms=" + observed_value(observed, "retention.ms") +
                                ", wanted " + wanted_text);
        return;
    }
    // A negative retention.ms (-1) keeps messages forever.
    const auto keeps_as_long = [](long long a, long long b) { return a < 0 || (b >= 0 && a >= b); };
    if (!keeps_as_long(*seen, *wanted)) {
        out.drift.push_back("retention.ms=" + retention_text(*seen) + ", wanted at least " +
                            retention_text(*wanted));
    } else if (*seen != *wanted) {
        out.notes.push_back("retention.ms=" + retention_text(*seen) + ", longer than " +
                            retention_text(*wanted));
    }
}

void compare_min_insync(const std::string& wanted_text, const ObservedState& observed,
                        Comparison& out) {
    const auto wanted = parse_number(wanted_text);
    const auto seen = parse_number(observed_value(observed, "min.insync.replicas"));
    if (!wanted || !seen) {
        if (observed_value(observed, "min.insync.replicas") != wanted_text)
            out.drift.push_back(
                "min.insync.replicas=" + observed_value(observed, "min.insync.replicas") +
                ", wanted " + wanted_text);
        return;
    }
    const std::string text = "min.insync.replicas=" + std::to_string(*seen);
    if (*seen < *wanted) {
        out.drift.push_back(text + ", wanted " + wanted_text);
    } else if (*seen > observed.replication_factor) {
        out.drift.push_back(text + " exceeds the replication factor " +
                            std::to_string(observed.replication_factor) + ": acks=all writes fail");
    } else if (*seen > *wanted) {
        out.notes.push_back(text + ", wanted " + wanted_text);
    }
}

}  // namespace

std::string format_ms(long long ms) {
    struct Unit {
        long long ms;
        const char* suffix;
    };
    for (const Unit unit :
         {Unit{86'400'000, "d"}, Unit{3'600'000, "h"}, Unit{60'000, "m"}, Unit{1'000, "s"}}) {
        if (ms != 0 && ms % unit.ms == 0) return std::to_string(ms / unit.ms) + unit.suffix;
    }
    return std::to_string(ms) + "ms";
}

Comparison compare_topic(const WantedTopic& wanted, const ObservedState& observed) {
    Comparison out;
    const std::string partitions = std::to_string(observed.partitions) + " partitions";
    if (observed.partitions < wanted.partitions)
        out.drift.push_back(partitions + ", wanted " + std::to_string(wanted.partitions));
    else if (observed.partitions > wanted.partitions)
        out.notes.push_back(partitions + ", wanted " + std::to_string(wanted.partitions));

    const std::string replicas =
        "replication factor " + std::to_string(observed.replication_factor);
    if (observed.replication_factor < wanted.replication_factor)
        out.drift.push_back(replicas + ", wanted " + std::to_string(wanted.replication_factor));
    else if (observed.replication_factor > wanted.replication_factor)
        out.notes.push_back(replicas + ", wanted " + std::to_string(wanted.replication_factor));

    for (const auto& [name, value] : wanted.configs) {
        if (name == "retention.ms") {
            compare_retention(value, observed, out);
        } else if (name == "min.insync.replicas") {
            compare_min_insync(value, observed, out);
        } else if (name == "cleanup.policy") {
            if (policy_set(observed_value(observed, name)) != policy_set(value))
                out.drift.push_back(name + "=" + observed_value(observed, name) + ", wanted " +
                                    value);
        } else if (observed_value(observed, name) != value) {
            out.drift.push_back(name + "=" + observed_value(observed, name) + ", wanted " + value);
        }
    }
    return out;
}

}  // namespace etp::topics
