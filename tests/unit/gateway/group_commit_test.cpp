// GroupCommit: concurrent submits are written in batches by one of their threads, every caller
// gets its own result (or its own error), and no more batches run at once than allowed.

#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

#include "group_commit.hpp"

using etp::gateway::GroupCommit;
using namespace std::chrono_literals;

namespace {

struct Recorder {
    std::atomic<int> running{0};
    std::atomic<int> most_running{0};
    std::atomic<int> batches{0};
    std::atomic<int> singles{0};
    std::atomic<int> largest{0};

    void enter() {
        int now = ++running;
        for (int seen = most_running;
             now > seen && !most_running.compare_exchange_weak(seen, now);) {
        }
    }
};

// Runs `threads` threads that each submit `per_thread` values and collect what they get back.
template <typename Commit>
std::vector<std::vector<int>> hammer(Commit& commit, int threads, int per_thread,
                                     std::atomic<int>& errors) {
    std::vector<std::vector<int>> got(static_cast<std::size_t>(threads));
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            for (int i = 0; i < per_thread; ++i) {
                try {
                    got[static_cast<std::size_t>(t)].push_back(commit.submit(t * 1000 + i));
                } catch (const std::runtime_error&) {
                    ++errors;
                }
            }
        });
    }
    for (auto& th : pool) th.join();
    return got;
}

}  // namespace

TEST_CASE("concurrent submits are batched and each caller gets its own result") {
    Recorder rec;
    GroupCommit<int, int> commit(
        [&](const std::vector<const int*>& ins) {
            rec.enter();
            ++rec.batches;
            rec.largest = std::max(rec.largest.load(), static_cast<int>(ins.size()));
            std::this_thread::sleep_for(2ms);  // a commit's flush: the others queue meanwhile
            std::vector<int> outs;
            for (const int* in : ins) outs.push_back(*in * 2);
            --rec.running;
            return outs;
        },
        [&](const int& in) {
            rec.enter();
            ++rec.singles;
            std::this_thread::sleep_for(2ms);
            --rec.running;
            return in * 2;
        },
        8, 2);
    std::atomic<int> errors{0};
    auto got = hammer(commit, 16, 20, errors);
    CHECK(errors == 0);
    for (int t = 0; t < 16; ++t) {
        REQUIRE(got[static_cast<std::size_t>(t)].size() == 20);
        for (int i = 0; i < 20; ++i)
            CHECK(got[static_cast<std::size_t>(t)][static_cast<std::size_t>(i)] ==
                  (t * 1000 + i) * 2);
    }
    CHECK(rec.batches > 0);
    CHECK(rec.largest > 1);
    CHECK(rec.largest <= 8);
    CHECK(rec.most_running <= 2);
    // Far fewer round trips than requests.
    CHECK(rec.batches + rec.singles < 16 * 20 / 2);
}

TEST_CASE("a lone submit runs at once, alone") {
    int many_calls = 0;
    GroupCommit<int, int> commit(
        [&](const std::vector<const int*>&) {
            ++many_calls;
            return std::vector<int>{};
        },
        [](const int& in) { return in + 1; }, 8, 2);
    CHECK(commit.submit(41) == 42);
    CHECK(many_calls == 0);
}

TEST_CASE("a failed batch retries each request alone, so only the bad one fails") {
    std::atomic<int> batch_failures{0};
    GroupCommit<int, int> commit(
        [&](const std::vector<const int*>& ins) {
            std::this_thread::sleep_for(1ms);
            for (const int* in : ins) {
                if (*in % 7 == 3) {
                    ++batch_failures;
                    throw std::runtime_error("bad row in batch");
                }
            }
            std::vector<int> outs;
            for (const int* in : ins) outs.push_back(*in);
            return outs;
        },
        [](const int& in) {
            std::this_thread::sleep_for(1ms);
            if (in % 7 == 3) throw std::runtime_error("bad row");
            return in;
        },
        8, 2);
    std::atomic<int> errors{0};
    auto got = hammer(commit, 12, 14, errors);
    // Values t*1000+i with (t*1000+i) % 7 == 3 fail; every other one comes back.
    int bad = 0;
    for (int t = 0; t < 12; ++t) {
        std::vector<int> want;
        for (int i = 0; i < 14; ++i) {
            if ((t * 1000 + i) % 7 == 3)
                ++bad;
            else
                want.push_back(t * 1000 + i);
        }
        CHECK(got[static_cast<std::size_t>(t)] == want);
    }
    CHECK(errors == bad);
    CHECK(batch_failures > 0);
}
