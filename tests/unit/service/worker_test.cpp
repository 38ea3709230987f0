// The loop skeleton every service shares: stop is prompt, failures back off and are counted for
// readiness, and a failing step never ends the loop.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

#include "etp/service/worker.hpp"

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

etp::service::WorkerOptions options() {
    etp::service::WorkerOptions o;
    o.name = "test worker";
    o.backoff_min = 10ms;
    o.backoff_max = 80ms;
    o.unhealthy_after = 3;
    o.failing = "test steps keep failing";
    o.failure_log = "test step failed; retrying";
    return o;
}

// Steps fail while `failing` is set; every step's start time and the back-off of each failure
// are recorded.
class TestWorker : public etp::service::Worker {
 public:
    explicit TestWorker(etp::service::WorkerOptions o, std::chrono::milliseconds idle = 1ms)
        : Worker(std::move(o)), idle_(idle) {}
    ~TestWorker() override { stop(); }

    std::atomic<bool> failing{false};
    std::atomic<int> steps{0};

    std::vector<std::chrono::milliseconds> backoffs() {
        std::lock_guard lock(mutex_);
        return backoffs_;
    }
    // Waits (bounded) until `n` steps ran.
    bool wait_steps(int n) {
        auto until = Clock::now() + 5s;
        while (steps < n && Clock::now() < until) std::this_thread::sleep_for(1ms);
        return steps >= n;
    }

 protected:
    std::chrono::milliseconds step(std::size_t) override {
        ++steps;
        if (failing) throw std::runtime_error("step failed");
        return idle_;
    }
    std::chrono::milliseconds on_failure(const std::exception& e,
                                         std::chrono::milliseconds backoff) override {
        std::lock_guard lock(mutex_);
        backoffs_.push_back(backoff);
        return Worker::on_failure(e, backoff);
    }

 private:
    std::chrono::milliseconds idle_;
    std::mutex mutex_;
    std::vector<std::chrono::milliseconds> backoffs_;
};

}  // namespace

TEST_CASE("stop interrupts a worker's pause promptly", "[worker]") {
    TestWorker w(options(), 60s);
    w.start();
    REQUIRE(w.wait_steps(1));
    auto began = Clock::now();
    w.stop();
    CHECK(Clock::now() - began < 1s);
    CHECK(w.steps == 1);
}

TEST_CASE("stop interrupts the start delay and is idempotent", "[worker]") {
    auto o = options();
    o.start_delay = 60s;
    TestWorker w(o);
    w.start();
    auto began = Clock::now();
    w.stop();
    w.stop();
    CHECK(Clock::now() - began < 1s);
    CHECK(w.steps == 0);
    CHECK(w.check() == "test worker not running");
}

TEST_CASE("a stopped worker that never started stops again without harm", "[worker]") {
    TestWorker w(options());
    w.stop();
    w.stop();
    CHECK(w.check() == "test worker not running");
}

TEST_CASE("back-off doubles up to its cap and resets after a step succeeds", "[worker]") {
    TestWorker w(options());
    w.failing = true;
    w.start();
    REQUIRE(w.wait_steps(6));
    w.failing = false;
    int after = w.steps + 2;
    REQUIRE(w.wait_steps(after));
    w.failing = true;
    REQUIRE(w.wait_steps(w.steps + 2));
    w.stop();
    auto b = w.backoffs();
    REQUIRE(b.size() >= 7);
    CHECK(b[0] == 10ms);
    CHECK(b[1] == 20ms);
    CHECK(b[2] == 40ms);
    CHECK(b[3] == 80ms);
    CHECK(b[4] == 80ms);  // capped
    // The first failure after a success starts from the minimum again.
    bool reset = false;
    for (std::size_t i = 5; i < b.size(); ++i)
        if (b[i] == 10ms) reset = true;
    CHECK(reset);
}

TEST_CASE("readiness fails after consecutive failures and recovers after a success", "[worker]") {
    TestWorker w(options());
    CHECK(w.check() == "test worker not running");
    w.start();
    REQUIRE(w.wait_steps(1));
    CHECK(w.check() == std::nullopt);
    w.failing = true;
    REQUIRE(w.wait_steps(w.steps + 4));
    CHECK(w.consecutive_failures() >= 3);
    CHECK(w.check() == "test steps keep failing");
    w.failing = false;
    auto until = Clock::now() + 5s;
    while (w.check() && Clock::now() < until) std::this_thread::sleep_for(1ms);
    CHECK(w.check() == std::nullopt);
    w.stop();
    CHECK(w.check() == "test worker not running");
}

TEST_CASE("an exception thrown by a step is counted, not fatal", "[worker]") {
    TestWorker w(options());
    w.failing = true;
    w.start();
    REQUIRE(w.wait_steps(3));
    CHECK(w.consecutive_failures() >= 2);
    w.failing = false;
    auto until = Clock::now() + 5s;
    while (w.consecutive_failures() > 0 && Clock::now() < until) std::this_thread::sleep_for(1ms);
    CHECK(w.consecutive_failures() == 0);
    w.stop();
}

TEST_CASE("every thread of a worker runs steps and all stop", "[worker]") {
    auto o = options();
    o.threads = 4;

    class Threads : public etp::service::Worker {
     public:
        using Worker::Worker;
        ~Threads() override { stop(); }
        std::atomic<unsigned> seen{0};

     protected:
        std::chrono::milliseconds step(std::size_t thread) override {
            seen |= 1u << thread;
            return 60s;
        }
    } w(o);
    w.start();
    auto until = Clock::now() + 5s;
    while (w.seen != 0xFu && Clock::now() < until) std::this_thread::sleep_for(1ms);
    CHECK(w.seen == 0xFu);
    auto began = Clock::now();
    w.stop();
    CHECK(Clock::now() - began < 1s);
}
