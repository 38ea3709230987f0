// The gateway's network edge as hostile and ordinary clients see it, through the real binary
// on raw sockets: stalled and idle connections do not delay others, header and body bombs are
// refused without the gateway's memory growing, deadlines close connections, the connection cap
// makes new clients wait instead of failing, and a body-less POST without Content-Length works.

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "etp/testing/raw_http.hpp"
#include "platform.hpp"

using etp::testing::RawAnswer;
using etp::testing::RawConnection;
using etp::testing::run_command;
using namespace std::chrono_literals;

namespace {

const std::string kKey = std::string("X-API-Key: ") + etp::e2e::kAdminKey + "\r\n";

std::string get(const std::string& path, const std::string& extra = "") {
    return "GET " + path + " HTTP/1.1\r\nHost: x\r\n" + extra + "\r\n";
}

etp::e2e::Service start_gateway(etp::testing::Env env) {
    auto gateway = etp::e2e::make_service("api-gateway", std::move(env));
    if (!gateway.start_and_wait())
        FAIL("api-gateway did not become ready:\n" << gateway.process->output());
    return gateway;
}

// Peak resident memory of a process (VmHWM), in KiB.
long peak_rss_kib(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("VmHWM:")) return std::stol(line.substr(6));
    return -1;
}

// Threads of a process (Threads: in /proc/PID/status).
long thread_count(pid_t pid) {
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    std::string line;
    while (std::getline(status, line))
        if (line.starts_with("Threads:")) return std::stol(line.substr(8));
    return -1;
}

// Median time of `n` fresh connections each sending `request` and reading the answer.
std::chrono::milliseconds median_answer_time(int port, const std::string& request, int expect,
                                             int n = 5) {
    std::vector<std::chrono::milliseconds> times;
    for (int i = 0; i < n; ++i) {
        auto began = std::chrono::steady_clock::now();
        RawConnection c(port);
        REQUIRE(c.ok());
        REQUIRE(c.send_all(request));
        auto a = c.read_answer(10s);
        REQUIRE(a);
        CHECK(a->status == expect);
        times.push_back(std::chrono::duration_cast<std::chrono::milliseconds>(
            std::chrono::steady_clock::now() - began));
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

std::string create_api_trigger(int port) {
    etp::e2e::Api api(port);
    auto res = api.post("/api/v1/triggers", {{"name", "edge"}, {"type", "api"}});
    REQUIRE(res);
    REQUIRE(res->status == 201);
    return nlohmann::json::parse(res->body).at("id").get<std::string>();
}

// 100 MiB of zeros, gzip-compressed (about 100 KB).
std::string gzip_bomb() {
    std::string out;
    FILE* pipe = ::popen("head -c 104857600 /dev/zero | gzip -c", "r");
    REQUIRE(pipe != nullptr);
    char buf[65536];
    std::size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
    ::pclose(pipe);
    REQUIRE(out.size() > 1000);
    return out;
}

}  // namespace

TEST_CASE("bad HTTP settings are refused at start with exit code 2") {
    for (auto [name, value] :
         std::vector<std::pair<std::string, std::string>>{{"HTTP_MAX_CONNECTIONS", "0"},
                                                          {"HTTP_IO_THREADS", "-1"},
                                                          {"HTTP_HEADER_TIMEOUT", "soon"},
                                                          {"HTTP_IDLE_TIMEOUT", "0s"},
                                                          {"ADMIN_HOST", "not a host"},
                                                          // issue 22: overflowed
                                                          {"HTTP_IDLE_TIMEOUT", "999999999999d"},
                                                          {"DATABASE_STATEMENT_TIMEOUT", "1"}}) {
        INFO(name << "=" << value);
        auto result = run_command(etp::e2e::binary("api-gateway"), {}, {{name, value}}, 10s);
        CHECK(result.exit_code == 2);
        CHECK(result.err.find(name) != std::string::npos);
    }
}

// Issue 22: the config error echoed a malformed DATABASE_URL with its password.
TEST_CASE("a malformed DATABASE_URL is refused without showing its password") {
    auto result =
        run_command(etp::e2e::binary("api-gateway"), {},
                    {{"DATABASE_URL", "postgresql://etp:s3cr3t-pw@db.internal:notaport/etp"}}, 10s);
    CHECK(result.exit_code == 2);
    CHECK(result.err.find("DATABASE_URL=\"postgresql://etp:***@db.internal:notaport/etp\"") !=
          std::string::npos);
    CHECK(result.err.find("s3cr3t-pw") == std::string::npos);
    CHECK(result.out.find("s3cr3t-pw") == std::string::npos);
}

// Issue 22: nothing bounded a statement, so a query stuck behind a lock held a handler thread
// (and its client) for as long as the lock was held.
TEST_CASE("a query that runs past DATABASE_STATEMENT_TIMEOUT is a 503, not a hang") {
    auto gateway = start_gateway({{"DATABASE_STATEMENT_TIMEOUT", "500ms"}});
    etp::pg::Connection locker(etp::testing::PgCluster::shared().url());
    locker.exec("BEGIN");
    locker.exec("LOCK TABLE triggers IN ACCESS EXCLUSIVE MODE");
    RawConnection c(gateway.http_port);
    auto began = std::chrono::steady_clock::now();
    REQUIRE(c.send_all(get("/api/v1/triggers", kKey)));
    auto a = c.read_answer(20s);
    auto took = std::chrono::steady_clock::now() - began;
    locker.exec("ROLLBACK");
    REQUIRE(a);
    CHECK(a->status == 503);
    auto problem = nlohmann::json::parse(a->body);
    CHECK(problem.at("detail") ==
          "the database did not answer in time (DATABASE_STATEMENT_TIMEOUT); try again later, or "
          "ask for less");
    CHECK(took < 10s);
    // Once the lock is gone the same request is answered.
    RawConnection again(gateway.http_port);
    REQUIRE(again.send_all(get("/api/v1/triggers", kKey)));
    auto ok = again.read_answer(20s);
    REQUIRE(ok);
    CHECK(ok->status == 200);
}

TEST_CASE("a connection cap above the open file limit is logged at start") {
    auto gateway = start_gateway({{"HTTP_MAX_CONNECTIONS", "1000000"}});
    std::string out = gateway.process->output();
    CHECK(out.find("http connection cap exceeds the open file limit") != std::string::npos);
    CHECK(out.find("\"open_file_limit\"") != std::string::npos);
}

TEST_CASE("stalled and idle connections do not delay a normal request") {
    etp::testing::raise_file_limit();
    auto gateway = start_gateway({{"HTTP_MAX_CONNECTIONS", "10100"}});
    const int port = gateway.http_port;
    const std::string list = get("/api/v1/triggers?page_size=1", kKey);
    CHECK(median_answer_time(port, list, 200) < 100ms);

    SECTION("1,000 half-sent connections") {
        std::vector<RawConnection> stalled;
        stalled.reserve(1000);
        for (int i = 0; i < 1000; ++i) {
            stalled.emplace_back(port);
            REQUIRE(stalled.back().ok());
            REQUIRE(stalled.back().send_all("GET /api/v1/trig"));
        }
        CHECK(median_answer_time(port, list, 200) < 100ms);
    }
    SECTION("10,000 idle keep-alive connections, each after one request") {
        std::vector<RawConnection> idle;
        idle.reserve(10'000);
        for (int i = 0; i < 10'000; ++i) {
            idle.emplace_back(port);
            REQUIRE(idle.back().ok());
            REQUIRE(idle.back().send_all(get("/api/v1/nowhere")));
        }
        int answered = 0;
        for (auto& c : idle) {
            auto a = c.read_answer(30s);
            if (a && a->status == 404) ++answered;
        }
        CHECK(answered == 10'000);
        CHECK(median_answer_time(port, list, 200) < 100ms);
        // No thread per connection: the count does not follow the 10,000.
        long threads = thread_count(gateway.process->pid());
        INFO("gateway threads: " << threads);
        CHECK(threads > 0);
        CHECK(threads < 200);
    }
    SECTION("the admin port with 100 idle connections still answers /healthz") {
        std::vector<RawConnection> idle;
        for (int i = 0; i < 100; ++i) {
            idle.emplace_back(gateway.admin_port);
            REQUIRE(idle.back().ok());
            if (i % 2) REQUIRE(idle.back().send_all("GET /heal"));
        }
        CHECK(median_answer_time(gateway.admin_port, get("/healthz"), 200) < 100ms);
        CHECK(median_answer_time(gateway.admin_port, get("/metrics"), 200, 1) < 1000ms);
    }
}

TEST_CASE("header and body bombs are refused; the gateway's peak memory grows by at most 20 MB") {
    auto gateway = start_gateway({});
    const int port = gateway.http_port;
    const std::string id = create_api_trigger(port);
    const std::string fire = "POST /api/v1/triggers/" + id + "/fire HTTP/1.1\r\nHost: x\r\n" +
                             kKey + "Content-Type: application/json\r\n";
    // Warm up the paths the bombs take, then take the baseline.
    for (int i = 0; i < 3; ++i) {
        RawConnection c(port);
        REQUIRE(c.send_all(fire + "Content-Length: 2\r\n\r\n{}"));
        auto a = c.read_answer(10s);
        REQUIRE(a);
        CHECK(a->status == 202);
    }
    const long before = peak_rss_kib(gateway.process->pid());
    REQUIRE(before > 0);
    constexpr std::size_t k100MiB = 100u * 1024 * 1024;
    std::size_t sent = 0;

    {
        INFO("a 1 MiB header line");
        RawConnection c(port);
        auto a = c.stream(fire + "X-Big: ", std::string(65536, 'a'), 1024 * 1024, sent, 20s);
        REQUIRE(a);
        CHECK(a->status == 431);
        CHECK(a->header("Content-Type") == "application/problem+json");
    }
    {
        INFO("10,000 header fields");
        RawConnection c(port);
        std::string fields;
        for (int i = 0; i < 10'000; ++i) fields += "X-F" + std::to_string(i) + ": v\r\n";
        auto a = c.stream(fire, fields, fields.size(), sent, 20s);
        REQUIRE(a);
        CHECK(a->status == 431);
    }
    {
        INFO("a chunked body of 100 MiB");
        RawConnection c(port);
        std::string chunk = "10000\r\n" + std::string(0x10000, ' ') + "\r\n";
        auto a = c.stream(fire + "Transfer-Encoding: chunked\r\n\r\n", chunk, k100MiB, sent, 30s);
        REQUIRE(a);
        CHECK(a->status == 413);
        CHECK(sent < k100MiB / 4);
    }
    {
        INFO("a body of 100 MiB without a length");
        RawConnection c(port);
        auto a = c.stream(fire + "\r\n", "{\"a\": \"" + std::string(65530, 'x') + "\"}", k100MiB,
                          sent, 30s);
        REQUIRE(a);
        CHECK(a->status == 411);
        CHECK(sent < k100MiB / 4);
    }
    {
        INFO("a gzip bomb with Content-Encoding: gzip");
        std::string bomb = gzip_bomb();
        RawConnection c(port);
        auto a = c.stream(fire + "Content-Encoding: gzip\r\nContent-Length: " +
                              std::to_string(bomb.size()) + "\r\n\r\n",
                          bomb, bomb.size(), sent, 20s);
        REQUIRE(a);
        CHECK(a->status == 415);
    }
    const long after = peak_rss_kib(gateway.process->pid());
    INFO("VmHWM before " << before << " KiB, after " << after << " KiB");
    CHECK(after - before <= 20 * 1000);
    // And it still serves.
    RawConnection c(port);
    REQUIRE(c.send_all(fire + "Content-Length: 2\r\n\r\n{}"));
    auto a = c.read_answer(10s);
    REQUIRE(a);
    CHECK(a->status == 202);
}

TEST_CASE("POST .../deactivate with no body and no Content-Length is 200") {
    const int port = etp::e2e::platform().gateway.http_port;
    const std::string id = create_api_trigger(port);
    for (std::string action : {"deactivate", "activate"}) {
        RawConnection c(port);
        // What `curl -X POST .../deactivate` sends.
        REQUIRE(c.send_all("POST /api/v1/triggers/" + id + "/" + action +
                           " HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: curl/7.88.1\r\nAccept: "
                           "*/*\r\n" +
                           kKey + "\r\n"));
        auto a = c.read_answer(10s);
        REQUIRE(a);
        CHECK(a->status == 200);
        CHECK(nlohmann::json::parse(a->body).at("active") == (action == "activate"));
    }
}

TEST_CASE("Prometheus metrics are on the admin port only") {
    const auto& gateway = etp::e2e::platform().gateway;
    RawConnection api(gateway.http_port);
    REQUIRE(api.send_all(get("/metrics")));
    auto a = api.read_answer(10s);
    REQUIRE(a);
    CHECK(a->status == 404);
    RawConnection admin(gateway.admin_port);
    REQUIRE(admin.send_all(get("/metrics")));
    a = admin.read_answer(10s);
    REQUIRE(a);
    CHECK(a->status == 200);
    CHECK(a->body.find("etp_") != std::string::npos);
}

TEST_CASE("deadlines close stalled and idle connections; at the cap new clients wait") {
    auto gateway = start_gateway({{"HTTP_HEADER_TIMEOUT", "1s"},
                                  {"HTTP_IDLE_TIMEOUT", "2s"},
                                  {"HTTP_MAX_CONNECTIONS", "20"}});
    const int port = gateway.http_port;
    SECTION("the header block must arrive within HTTP_HEADER_TIMEOUT") {
        RawConnection c(port);
        REQUIRE(c.send_all("GET /api/v1/health HTTP/1.1\r\nHo"));
        auto began = std::chrono::steady_clock::now();
        CHECK(c.closed_within(5s));
        CHECK(std::chrono::steady_clock::now() - began >= 800ms);
    }
    SECTION("an idle keep-alive connection closes after HTTP_IDLE_TIMEOUT, not before") {
        RawConnection c(port);
        REQUIRE(c.send_all(get("/api/v1/nowhere")));
        REQUIRE(c.read_answer(5s));
        CHECK_FALSE(c.closed_within(1500ms));
        CHECK(c.closed_within(5s));
    }
    SECTION("HTTP_MAX_CONNECTIONS reached: the next client waits, then is served") {
        std::vector<RawConnection> held;
        for (int i = 0; i < 20; ++i) {
            held.emplace_back(port);
            REQUIRE(held.back().send_all(get("/api/v1/nowhere")));
            auto a = held.back().read_answer(5s);
            REQUIRE(a);
            CHECK(a->status == 404);
        }
        RawConnection waiting(port);
        REQUIRE(waiting.ok());
        REQUIRE(waiting.send_all(get("/api/v1/nowhere")));
        CHECK_FALSE(waiting.read_answer(700ms));
        held.front().close();
        auto a = waiting.read_answer(5s);
        REQUIRE(a);
        CHECK(a->status == 404);
    }
}
