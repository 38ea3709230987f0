// The admin server as a prober sees it: /healthz answers while /readyz's check blocks, with
// idle connections held open, and concurrent /readyz share one run of the check.

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "etp/net/admin_server.hpp"
#include "etp/testing/raw_http.hpp"

using etp::net::AdminServer;
using etp::testing::RawConnection;
using namespace std::chrono_literals;

namespace {

std::string get(const std::string& path) { return "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n"; }

}  // namespace

TEST_CASE("admin: /healthz answers with 100 idle connections open") {
    AdminServer admin("127.0.0.1", 0, [] { return std::nullopt; });
    admin.start();
    std::vector<RawConnection> idle;
    for (int i = 0; i < 100; ++i) {
        idle.emplace_back(admin.port());
        REQUIRE(idle.back().ok());
        if (i % 2 == 0) REQUIRE(idle.back().send_all("GET /hea"));  // half-sent too
    }
    RawConnection c(admin.port());
    auto began = std::chrono::steady_clock::now();
    REQUIRE(c.send_all(get("/healthz")));
    auto a = c.read_answer(5s);
    REQUIRE(a);
    CHECK(a->status == 200);
    CHECK(std::chrono::steady_clock::now() - began < 100ms);
    admin.stop();
}

TEST_CASE("admin: a /readyz check that blocks for seconds does not delay /healthz") {
    std::atomic<int> runs{0};
    AdminServer admin("127.0.0.1", 0, [&runs]() -> std::optional<std::string> {
        ++runs;
        std::this_thread::sleep_for(2s);
        return std::nullopt;
    });
    admin.start();
    RawConnection ready_a(admin.port());
    RawConnection ready_b(admin.port());
    SECTION("not ready yet: 503 at once, the check not run") {
        REQUIRE(ready_a.send_all(get("/readyz")));
        auto a = ready_a.read_answer(1s);
        REQUIRE(a);
        CHECK(a->status == 503);
        CHECK(runs == 0);
    }
    SECTION("ready: healthz answers during the check; concurrent readyz share its run") {
        admin.set_ready(true);
        REQUIRE(ready_a.send_all(get("/readyz")));
        std::this_thread::sleep_for(200ms);
        REQUIRE(ready_b.send_all(get("/readyz")));
        for (int i = 0; i < 5; ++i) {
            RawConnection health(admin.port());
            auto began = std::chrono::steady_clock::now();
            REQUIRE(health.send_all(get("/healthz")));
            auto h = health.read_answer(1s);
            REQUIRE(h);
            CHECK(h->status == 200);
            CHECK(std::chrono::steady_clock::now() - began < 100ms);
        }
        auto a = ready_a.read_answer(5s);
        auto b = ready_b.read_answer(5s);
        REQUIRE(a);
        REQUIRE(b);
        CHECK(a->status == 200);
        CHECK(b->status == 200);
        CHECK(runs == 1);
    }
    admin.stop();
}

TEST_CASE("admin: a failing check is a 503 naming the reason; /metrics is Prometheus text") {
    AdminServer admin("127.0.0.1", 0, [] { return std::optional<std::string>("postgres: down"); });
    admin.start();
    admin.set_ready(true);
    RawConnection c(admin.port());
    REQUIRE(c.send_all(get("/readyz")));
    auto a = c.read_answer(5s);
    REQUIRE(a);
    CHECK(a->status == 503);
    CHECK(a->body.find("postgres: down") != std::string::npos);
    REQUIRE(c.send_all(get("/metrics")));
    a = c.read_answer(5s);
    REQUIRE(a);
    CHECK(a->status == 200);
    CHECK(a->header("Content-Type").starts_with("text/plain"));
}
