#include "fire_load.hpp"

#include <nlohmann/json.hpp>

#include <atomic>
#include <stdexcept>
#include <thread>

namespace etp::bench {
namespace {

std::unique_ptr<httplib::Client> make_client(const std::string& gateway) {
    auto client = std::make_unique<httplib::Client>(gateway);
    client->set_keep_alive(true);
    // httplib writes the headers and the body with separate send()s; with Nagle on, the body
    // can wait for the server's delayed ACK of the headers.
    client->set_tcp_nodelay(true);
    client->set_connection_timeout(std::chrono::seconds(5));
    client->set_read_timeout(std::chrono::seconds(10));
    client->set_write_timeout(std::chrono::seconds(5));
    return client;
}

// What one connection's thread saw during a step.
struct Tally {
    std::uint64_t sent = 0, accepted = 0, refused = 0, failed = 0;
    std::map<int, std::uint64_t> refused_by_status;
    std::string first_error;
    std::vector<Uuid> event_ids;
    std::vector<std::int64_t> lag_us;
    std::vector<std::int64_t> request_us;
    std::chrono::steady_clock::time_point last_answer{};
};

}  // namespace

std::string create_trigger(const std::string& gateway, const std::string& api_key,
                           const std::string& name, const std::string& target_url) {
    nlohmann::json body = {
        {"name", name},
        {"type", "api"},
        // The same short-form schema as the gateway benchmark: every fire is validated.
        {"api_schema", {{"amount", "float"}, {"currency", "str"}}},
        {"target", {{"url", target_url}, {"timeout_ms", 5000}}},
        {"retry", {{"max_attempts", 5}, {"initial_backoff_ms", 100}, {"max_backoff_ms", 2000}}}};
    auto client = make_client(gateway);
    auto res = client->Post("/api/v1/triggers", httplib::Headers{{"X-API-Key", api_key}},
                            body.dump(), "application/json");
    if (!res) throw std::runtime_error("POST /api/v1/triggers: " + httplib::to_string(res.error()));
    if (res->status != 201)
        throw std::runtime_error("POST /api/v1/triggers answered " + std::to_string(res->status) +
                                 ": " + res->body);
    auto answer = nlohmann::json::parse(res->body, nullptr, false);
    if (!answer.is_object() || !answer.contains("id") || !answer["id"].is_string())
        throw std::runtime_error("POST /api/v1/triggers answered without an id: " + res->body);
    return answer["id"].get<std::string>();
}

FireLoad::FireLoad(FireSettings settings)
    : settings_(std::move(settings)), headers_{{"X-API-Key", settings_.api_key}} {
    for (const auto& id : settings_.trigger_ids)
        paths_.push_back("/api/v1/triggers/" + id + "/fire");
    for (std::size_t i = 0; i < settings_.connections; ++i)
        clients_.push_back(make_client(settings_.gateway));
}

FireStep FireLoad::run(double rate, std::chrono::seconds duration) {
    using namespace std::chrono;
    FireStep step;
    step.target_rate = rate;
    step.duration = duration;
    step.scheduled = static_cast<std::uint64_t>(rate * static_cast<double>(duration.count()));

    // A short lead so that every thread is waiting when the first slot is due.
    const auto t0 = steady_clock::now() + milliseconds(20);
    const auto end = t0 + duration;
    step.started = system_clock::now() + milliseconds(20);
    const double slot_ns = 1e9 / rate;
    std::atomic<std::uint64_t> next{0};
    std::vector<Tally> tallies(clients_.size());
    std::vector<std::thread> threads;
    for (std::size_t c = 0; c < clients_.size(); ++c) {
        threads.emplace_back([&, c] {
            httplib::Client& client = *clients_[c];
            Tally& t = tallies[c];
            t.lag_us.reserve(step.scheduled / clients_.size() + 16);
            t.request_us.reserve(step.scheduled / clients_.size() + 16);
            for (;;) {
                std::uint64_t k = next.fetch_add(1, std::memory_order_relaxed);
                if (k >= step.scheduled) break;
                auto due =
                    t0 + nanoseconds(static_cast<std::int64_t>(static_cast<double>(k) * slot_ns));
                auto now = steady_clock::now();
                if (now >= end) break;  // out of time: this and later slots go unsent
                if (due > now) {
                    std::this_thread::sleep_until(due);
                    now = steady_clock::now();
                }
                t.lag_us.push_back(duration_cast<microseconds>(now - due).count());
                auto res = client.Post(paths_[k % paths_.size()], headers_, settings_.body,
                                       "application/json");
                auto done = steady_clock::now();
                t.last_answer = done;
                t.request_us.push_back(duration_cast<microseconds>(done - now).count());
                ++t.sent;
                if (!res) {
                    ++t.failed;
                    if (t.first_error.empty()) t.first_error = httplib::to_string(res.error());
                    continue;
                }
                if (res->status != 202) {
                    ++t.refused;
                    ++t.refused_by_status[res->status];
                    if (t.first_error.empty())
                        t.first_error =
                            std::to_string(res->status) + " " + res->body.substr(0, 300);
                    continue;
                }
                auto text = json_string_field(res->body, "event_id");
                auto id = text ? Uuid::parse(*text) : std::nullopt;
                if (!id) {
                    ++t.refused;
                    ++t.refused_by_status[res->status];
                    if (t.first_error.empty())
                        t.first_error = "202 without an event_id: " + res->body.substr(0, 300);
                    continue;
                }
                ++t.accepted;
                t.event_ids.push_back(*id);
            }
        });
    }
    for (auto& thread : threads) thread.join();

    std::vector<std::int64_t> lags, requests;
    auto last = t0;
    for (Tally& t : tallies) {
        step.sent += t.sent;
        step.accepted += t.accepted;
        step.refused += t.refused;
        step.failed += t.failed;
        for (auto [status, n] : t.refused_by_status) step.refused_by_status[status] += n;
        if (step.first_error.empty()) step.first_error = t.first_error;
        step.event_ids.insert(step.event_ids.end(), t.event_ids.begin(), t.event_ids.end());
        lags.insert(lags.end(), t.lag_us.begin(), t.lag_us.end());
        requests.insert(requests.end(), t.request_us.begin(), t.request_us.end());
        last = std::max(last, t.last_answer);
    }
    step.ended = step.started + duration_cast<system_clock::duration>(last - t0);
    step.lag_p99_us = quantile(lags, 0.99);
    step.lag_max_us = lags.empty() ? 0 : lags.back();
    step.request_p50_us = quantile(requests, 0.50);
    step.request_p99_us = quantile(requests, 0.99);
    return step;
}

}  // namespace etp::bench
