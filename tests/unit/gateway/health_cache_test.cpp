// GET /api/v1/health is public: however many requests ask, PostgreSQL and Kafka are checked at
// most once per max_age (issue 22: each call ran a query and a Kafka metadata request).

#include <catch2/catch.hpp>

#include <atomic>
#include <future>
#include <stdexcept>
#include <thread>
#include <vector>

#include "health_cache.hpp"

using etp::gateway::HealthCache;
using namespace std::chrono_literals;

TEST_CASE("concurrent health requests share one check") {
    std::atomic<int> postgres{0};
    std::atomic<int> kafka{0};
    HealthCache cache(
        [&]() -> std::optional<std::string> {
            ++postgres;
            std::this_thread::sleep_for(50ms);  // a query takes a while
            return std::nullopt;
        },
        [&]() -> std::optional<std::string> {
            ++kafka;
            return std::string("Local: All broker connections are down");
        },
        1h);
    std::vector<std::future<HealthCache::Status>> answers;
    for (int i = 0; i < 32; ++i)
        answers.push_back(std::async(std::launch::async, [&] { return cache.get(); }));
    for (auto& answer : answers) {
        HealthCache::Status status = answer.get();
        CHECK_FALSE(status.postgres);
        CHECK(status.kafka == "Local: All broker connections are down");
    }
    for (int i = 0; i < 100; ++i) cache.get();
    CHECK(postgres == 1);
    CHECK(kafka == 1);
}

TEST_CASE("an answer older than max_age is checked again; meanwhile the last one is given") {
    std::atomic<int> checks{0};
    std::promise<void> release;
    std::shared_future<void> released = release.get_future().share();
    std::atomic<bool> block{false};
    HealthCache cache(
        [&]() -> std::optional<std::string> {
            int n = ++checks;
            if (block) released.wait();
            if (n == 1) return std::nullopt;
            return std::string("connection refused");
        },
        []() -> std::optional<std::string> { return std::nullopt; }, 100ms);
    CHECK_FALSE(cache.get().postgres);
    CHECK(checks == 1);
    std::this_thread::sleep_for(150ms);
    block = true;
    // This request runs the second check and waits in it; another one meanwhile gets the first
    // answer at once.
    auto refreshing = std::async(std::launch::async, [&] { return cache.get(); });
    auto deadline = std::chrono::steady_clock::now() + 5s;
    while (checks < 2 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(1ms);
    REQUIRE(checks == 2);
    CHECK_FALSE(cache.get().postgres);
    release.set_value();
    CHECK(refreshing.get().postgres == "connection refused");
    CHECK(cache.get().postgres == "connection refused");
    CHECK(checks == 2);
}

TEST_CASE("a check that throws is an unavailable dependency, and the next one runs") {
    std::atomic<int> checks{0};
    HealthCache cache(
        [&]() -> std::optional<std::string> {
            if (++checks == 1) throw std::runtime_error("no connection");
            return std::nullopt;
        },
        []() -> std::optional<std::string> { return std::nullopt; }, 0ms);
    CHECK(cache.get().postgres == "no connection");
    CHECK_FALSE(cache.get().postgres);
    CHECK(checks == 2);
}
