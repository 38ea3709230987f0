#pragma once
// Shared by the scheduler's e2e and fault tests: a trigger's logged slots from the event log,
// the firings on etp.trigger.fired collected in the background, and one value from a
// Prometheus /metrics page.

#include <httplib.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "etp/bus/consumer.hpp"
#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"
#include "platform.hpp"

namespace etp::e2e {

// Unix microseconds, the precision of timestamptz and of etp::Timestamp.
using Micros = std::int64_t;
inline constexpr Micros kSecond = 1'000'000;

inline Micros micros(Timestamp t) { return t.time_since_epoch().count(); }
inline Micros now_micros() { return micros(now_utc()); }
inline Micros parse_micros(const std::string& rfc3339) {
    auto t = parse_rfc3339(rfc3339);
    if (!t) throw std::runtime_error("not an RFC 3339 time: " + rfc3339);
    return micros(*t);
}
inline std::string format_micros(Micros us) {
    return format_rfc3339(Timestamp(std::chrono::microseconds(us)));
}

// One logged event of a scheduled trigger, as stored.
struct LoggedSlot {
    std::string id;
    Micros scheduled_for = 0;  // 0 when NULL
    Micros triggered_at = 0;
    std::string source;
    std::string trigger_type;
    std::string payload;  // jsonb text
};

// A trigger's non-test events, oldest slot first.
inline std::vector<LoggedSlot> logged_slots(pg::Connection& db, const std::string& trigger_id) {
    auto r = db.exec(
        "SELECT id::text, coalesce((extract(epoch FROM scheduled_for) * 1000000)::bigint, 0), "
        "(extract(epoch FROM triggered_at) * 1000000)::bigint, source, trigger_type, "
        "payload::text FROM events WHERE trigger_id = $1 AND NOT is_test "
        "ORDER BY scheduled_for, id",
        {trigger_id});
    std::vector<LoggedSlot> out;
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({std::string(r.text(i, 0)), r.integer(i, 1), r.integer(i, 2),
                       std::string(r.text(i, 3)), std::string(r.text(i, 4)),
                       std::string(r.text(i, 5))});
    return out;
}

// Polls until the trigger has at least `count` logged events or the timeout passes.
inline std::vector<LoggedSlot> wait_for_slots(pg::Connection& db, const std::string& trigger_id,
                                              std::size_t count,
                                              std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
        auto slots = logged_slots(db, trigger_id);
        if (slots.size() >= count || std::chrono::steady_clock::now() >= deadline) return slots;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
}

// One firing as a consumer of etp.trigger.fired sees it.
struct FiredMessage {
    std::string key;
    nlohmann::json value;       // the CloudEvent
    std::int64_t timestamp_ms;  // the producer's create time: when the firing was sent
};

// Consumes etp.trigger.fired from the beginning, under a fresh group, on a background thread
// from construction to destruction. Thread-safe.
class FiredLog {
 public:
    explicit FiredLog(const std::string& bootstrap) {
        bus::ConsumerConfig config;
        config.brokers = bootstrap;
        config.group_id =
            "etp-e2e-fired-" + std::to_string(::getpid()) + "-" + std::to_string(now_micros());
        config.client_id = "etp-e2e-fired";
        config.topics = {"etp.trigger.fired"};
        config.auto_offset_reset = "earliest";
        thread_ = std::thread([this, config] {
            bus::Consumer consumer(config);
            while (!stop_) {
                auto batch = consumer.poll(1000, std::chrono::milliseconds(100));
                std::lock_guard lock(mutex_);
                for (auto& m : batch) {
                    if (!m.key || !m.value) continue;
                    auto value = nlohmann::json::parse(*m.value, nullptr, false);
                    by_key_[*m.key].push_back({*m.key, std::move(value), m.timestamp_ms});
                    ++total_;
                }
            }
            consumer.close();
        });
    }
    ~FiredLog() {
        stop_ = true;
        thread_.join();
    }
    FiredLog(const FiredLog&) = delete;
    FiredLog& operator=(const FiredLog&) = delete;

    std::vector<FiredMessage> of(const std::string& trigger_id) const {
        std::lock_guard lock(mutex_);
        auto it = by_key_.find(trigger_id);
        return it == by_key_.end() ? std::vector<FiredMessage>{} : it->second;
    }
    std::size_t total() const {
        std::lock_guard lock(mutex_);
        return total_;
    }
    // Polls until the trigger has at least `count` firings or the timeout passes.
    std::vector<FiredMessage> wait_for(const std::string& trigger_id, std::size_t count,
                                       std::chrono::milliseconds timeout) const {
        const auto deadline = std::chrono::steady_clock::now() + timeout;
        for (;;) {
            auto got = of(trigger_id);
            if (got.size() >= count || std::chrono::steady_clock::now() >= deadline) return got;
            std::this_thread::sleep_for(std::chrono::milliseconds(50));
        }
    }

 private:
    mutable std::mutex mutex_;
    std::map<std::string, std::vector<FiredMessage>> by_key_;  // guarded by mutex_
    std::size_t total_ = 0;                                    // guarded by mutex_
    std::atomic<bool> stop_{false};
    std::thread thread_;  // last: it uses the members above
};

// The sum of the samples on a service's admin /metrics page whose name and labels start with
// `prefix`: "etp_scheduler_fires_total" sums the metric over all its labels,
// "etp_dispatcher_firings_total{outcome=\"duplicate\"" picks one sample. nullopt when the page
// cannot be read or no sample matches.
inline std::optional<double> metric_value(int admin_port, const std::string& prefix) {
    httplib::Client client("127.0.0.1", admin_port);
    client.set_read_timeout(5, 0);
    auto res = client.Get("/metrics");
    if (!res || res->status != 200) return std::nullopt;
    std::optional<double> sum;
    std::size_t line_start = 0;
    const std::string& text = res->body;
    while (line_start < text.size()) {
        std::size_t end = text.find('\n', line_start);
        if (end == std::string::npos) end = text.size();
        const std::string line = text.substr(line_start, end - line_start);
        line_start = end + 1;
        if (line.rfind(prefix, 0) != 0) continue;
        // The name must end where the prefix does, unless the prefix stops inside the labels.
        const char next = line.size() > prefix.size() ? line[prefix.size()] : '\0';
        const bool in_labels = prefix.find('{') != std::string::npos;
        if (!in_labels && next != ' ' && next != '{') continue;
        const std::size_t space = line.rfind(' ');
        if (space == std::string::npos) continue;
        sum = sum.value_or(0) + std::stod(line.substr(space + 1));
    }
    return sum;
}

}  // namespace etp::e2e
