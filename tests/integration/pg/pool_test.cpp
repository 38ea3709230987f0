#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "etp/pg/error.hpp"
#include "etp/pg/pool.hpp"
#include "etp/testing/free_port.hpp"
#include "pg_test_support.hpp"

using etp::ErrorKind;
using etp::pg::DatabaseError;
using etp::pg::Pool;
using etp::pg::test::backend_pid;
using etp::testing::PgCluster;

TEST_CASE("Pool never opens more than max_size connections") {
    const std::string app = "pool_limit";
    Pool pool(PgCluster::shared().url() + "?application_name=" + app, 3);

    {
        // Three leases at once are three distinct server sessions; a fourth cannot be had.
        auto a = pool.acquire();
        auto b = pool.acquire();
        auto c = pool.acquire();
        std::set<std::int64_t> pids = {backend_pid(*a), backend_pid(*b), backend_pid(*c)};
        CHECK(pids.size() == 3);
        CHECK_THROWS_AS(pool.acquire(std::chrono::milliseconds(50)), DatabaseError);
    }

    std::mutex mutex;  // guards pids, max_sessions
    std::set<std::int64_t> pids;
    std::int64_t max_sessions = 0;
    std::atomic<int> failures{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 15; ++i) {
                try {
                    auto lease = pool.acquire(std::chrono::seconds(30));
                    auto r = lease->exec(
                        "SELECT pg_backend_pid(), (SELECT count(*) FROM pg_stat_activity"
                        " WHERE application_name = $1), pg_sleep(0.002)",
                        {app});
                    std::lock_guard lock(mutex);
                    pids.insert(r.integer(0, 0));
                    max_sessions = std::max(max_sessions, r.integer(0, 1));
                } catch (const std::exception&) {
                    ++failures;
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    CHECK(failures == 0);
    CHECK(pids.size() == 3);  // the same three sessions served all 120 leases
    CHECK(max_sessions <= 3);
    CHECK(max_sessions >= 1);
}

TEST_CASE("Pool blocks until a lease comes back, and times out with kUnavailable") {
    Pool pool(PgCluster::shared().url(), 1);
    std::optional<Pool::Lease> held(pool.acquire());
    const auto held_pid = backend_pid(**held);

    const auto t0 = std::chrono::steady_clock::now();
    try {
        pool.acquire(std::chrono::milliseconds(200));
        FAIL("acquired a second connection from a pool of one");
    } catch (const DatabaseError& e) {
        CHECK(e.kind() == ErrorKind::kUnavailable);
        CHECK(e.retryable());
        CHECK_THAT(e.what(), Catch::Contains("timed out"));
    }
    CHECK(std::chrono::steady_clock::now() - t0 >= std::chrono::milliseconds(200));

    std::atomic<std::int64_t> waiter_pid{0};
    std::thread waiter([&] {
        auto lease = pool.acquire(std::chrono::seconds(30));
        waiter_pid = backend_pid(*lease);
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    CHECK(waiter_pid == 0);  // still waiting: the only connection is held
    held.reset();
    waiter.join();
    CHECK(waiter_pid == held_pid);  // it got the very connection we returned
}

TEST_CASE("Pool drops a connection the server killed while leased and opens a new one") {
    Pool pool(PgCluster::shared().url(), 1);
    std::int64_t first = 0;
    {
        auto lease = pool.acquire();
        first = backend_pid(*lease);
        etp::pg::test::kill_backend(first);
        try {
            lease->exec("SELECT 1");
            FAIL("query on a terminated session succeeded");
        } catch (const DatabaseError& e) {
            CHECK(e.kind() == ErrorKind::kUnavailable);
        }
        CHECK_FALSE(lease->is_open());
    }
    // With a pool of one, the broken connection must have been dropped to get here.
    auto lease = pool.acquire(std::chrono::seconds(5));
    CHECK(lease->is_open());
    const auto second = backend_pid(*lease);
    CHECK(second != first);
}

TEST_CASE("Pool notices an idle connection the server closed before handing it out") {
    Pool pool(PgCluster::shared().url(), 1);
    std::int64_t first = 0;
    {
        auto lease = pool.acquire();
        first = backend_pid(*lease);
    }
    etp::pg::test::kill_backend(first);
    CHECK(pool.check() == std::nullopt);
    auto lease = pool.acquire();
    CHECK(backend_pid(*lease) != first);
}

TEST_CASE("Pool::check answers nullopt when healthy and the reason when not") {
    Pool healthy(PgCluster::shared().url(), 2);
    CHECK(healthy.check() == std::nullopt);

    const int port = etp::testing::free_port();
    Pool unreachable("postgresql://postgres@127.0.0.1:" + std::to_string(port) + "/etp", 2);
    const auto reason = unreachable.check();
    REQUIRE(reason.has_value());
    CHECK_THAT(*reason, Catch::Contains("could not connect"));
    // Failed connects free their slot: the pool is not exhausted by failures.
    CHECK(unreachable.check().has_value());
    CHECK(unreachable.check().has_value());
    CHECK_THROWS_AS(unreachable.acquire(std::chrono::milliseconds(100)), DatabaseError);
}

TEST_CASE("Pool discards a connection returned inside a transaction") {
    Pool pool(PgCluster::shared().url(), 1);
    std::int64_t first = 0;
    {
        auto lease = pool.acquire();
        first = backend_pid(*lease);
        lease->exec("BEGIN");
        lease->exec("CREATE TEMP TABLE leaked (x int)");
    }
    auto lease = pool.acquire();
    CHECK(backend_pid(*lease) != first);
    CHECK(lease->exec("SELECT to_regclass('pg_temp.leaked') IS NULL").boolean(0, 0));
}

// Issue 22: nothing bounded how long a statement could hold a pooled connection (and the
// gateway thread waiting on it). With a statement timeout the server cancels it, and the
// caller gets a retryable kUnavailable, not an internal error and not a hang.
TEST_CASE("Pool's statement timeout cancels a slow statement") {
    Pool pool(PgCluster::shared().url(), 1, std::chrono::milliseconds(300));
    auto lease = pool.acquire();
    CHECK(lease->exec("SHOW statement_timeout").text(0, 0) == "300ms");
    auto started = std::chrono::steady_clock::now();
    try {
        lease->exec("SELECT pg_sleep(30)");
        FAIL("pg_sleep(30) was not cancelled");
    } catch (const DatabaseError& e) {
        CHECK(e.sqlstate() == "57014");
        CHECK(e.kind() == ErrorKind::kUnavailable);
        CHECK(e.retryable());
    }
    CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(10));
    // The connection is still good for the next statement.
    CHECK(lease->exec("SELECT 1").integer(0, 0) == 1);

    // Without one, the server's setting stands.
    Pool unbounded(PgCluster::shared().url(), 1);
    CHECK(unbounded.acquire()->exec("SHOW statement_timeout").text(0, 0) == "0");
}
