// One webhook attempt against a real HTTP server on loopback: what the receiver sees, and how
// each kind of failure is reported.
#include "webhook_sender.hpp"

#include <catch2/catch.hpp>
#include <thread>

#include "etp/domain/webhook_signature.hpp"

using namespace etp;
using namespace etp::dispatcher;

namespace {

// A server on an ephemeral loopback port, stopped when the test ends.
struct Server {
    httplib::Server http;
    int port = 0;
    std::thread thread;

    Server() {
        port = http.bind_to_any_port("127.0.0.1");
        thread = std::thread([this] { http.listen_after_bind(); });
        while (!http.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ~Server() {
        http.stop();
        thread.join();
    }
    std::string url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port) + path;
    }
};

HttpResult send(const std::string& url, Target target, const std::vector<std::string>& secrets,
                const std::string& body = R"({"id":"x"})", bool is_test = false) {
    target.url = url;
    auto endpoint = parse_endpoint(url);
    REQUIRE(endpoint);
    auto client = make_client(*endpoint, "127.0.0.1");
    WebhookRequest request{*endpoint, target, secrets, body, "0190aaaa-0000-7000-8000-000000000001",
                           is_test};
    return send_webhook(*client, request);
}

}  // namespace

TEST_CASE("endpoints are split into origin and path") {
    auto e = parse_endpoint("https://Hooks.Example.com/a/b?c=d#frag");
    REQUIRE(e);
    CHECK(e->origin == "https://hooks.example.com:443");
    CHECK(e->path == "/a/b?c=d");
    e = parse_endpoint("http://user:pw@example.com:8080");
    REQUIRE(e);
    CHECK(e->origin == "http://example.com:8080");
    CHECK(e->path == "/");
    e = parse_endpoint("http://[::1]:9000/x");
    REQUIRE(e);
    CHECK(e->host == "::1");
    CHECK(e->origin == "http://[::1]:9000");
    CHECK_FALSE(parse_endpoint("ftp://example.com/"));
    CHECK_FALSE(parse_endpoint("http://example.com:99999/"));
    CHECK_FALSE(parse_endpoint("http://:80/"));
    CHECK_FALSE(parse_endpoint("http://[::1/"));
}

TEST_CASE("private addresses are refused unless allowed") {
    auto refused = resolve_host("127.0.0.1", false);
    CHECK(refused.refused);
    REQUIRE(refused.error);
    CHECK(refused.error->find("ETP_ALLOW_PRIVATE_TARGETS") != std::string::npos);
    auto allowed = resolve_host("localhost", true);
    CHECK_FALSE(allowed.error);
    CHECK_FALSE(allowed.address.empty());
    auto unknown = resolve_host("no-such-host.invalid", true);
    CHECK(unknown.error);
    CHECK_FALSE(unknown.refused);
}

TEST_CASE("the receiver gets the signed body with the target's headers") {
    Server server;
    httplib::Request seen;
    server.http.Put("/hook", [&](const httplib::Request& req, httplib::Response& res) {
        seen = req;
        res.set_content("thanks", "text/plain");
    });
    Target target;
    target.method = "PUT";
    target.headers = {{"X-Team", "payments"}, {"webhook-id", "forged"}};
    std::string secret = webhook::generate_secret();
    HttpResult r = send(server.url("/hook"), target, {secret}, R"({"a":1})", true);
    REQUIRE(r.status == 200);
    CHECK(r.body_head == "thanks");
    CHECK(r.reusable);
    CHECK(seen.method == "PUT");
    CHECK(seen.body == R"({"a":1})");
    CHECK(seen.get_header_value("Content-Type") == "application/cloudevents+json");
    CHECK(seen.get_header_value("X-Team") == "payments");
    CHECK(seen.get_header_value_count("webhook-id") == 1);
    CHECK(seen.get_header_value("webhook-id") == "0190aaaa-0000-7000-8000-000000000001");
    CHECK(seen.get_header_value("etp-test") == "true");
    auto ts = std::stoll(seen.get_header_value("webhook-timestamp"));
    CHECK(seen.get_header_value("webhook-signature") ==
          webhook::sign(secret, "0190aaaa-0000-7000-8000-000000000001", ts, R"({"a":1})"));
}

TEST_CASE("only the first KiB of an answer is kept, and Retry-After is read") {
    Server server;
    server.http.Post("/busy", [](const httplib::Request&, httplib::Response& res) {
        res.status = 429;
        res.set_header("Retry-After", "7");
        res.set_content(std::string(5000, 'x'), "text/plain");
    });
    HttpResult r = send(server.url("/busy"), Target{}, {});
    REQUIRE(r.status == 429);
    CHECK(r.body_head.size() == kKeptResponseBytes);
    CHECK(r.retry_after == "7");
}

TEST_CASE("redirects are not followed") {
    Server server;
    int followed = 0;
    server.http.Post("/moved", [](const httplib::Request&, httplib::Response& res) {
        res.set_redirect("/elsewhere", 307);
    });
    server.http.Post("/elsewhere",
                     [&](const httplib::Request&, httplib::Response&) { ++followed; });
    HttpResult r = send(server.url("/moved"), Target{}, {});
    CHECK(r.status == 307);
    CHECK(followed == 0);
}

TEST_CASE("a target slower than its timeout is reported as a timeout") {
    Server server;
    server.http.Post("/slow", [](const httplib::Request&, httplib::Response& res) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1500));
        res.set_content("late", "text/plain");
    });
    Target target;
    target.timeout_ms = 200;
    HttpResult r = send(server.url("/slow"), target, {});
    CHECK_FALSE(r.status);
    CHECK(r.error == "timeout after 200 ms");
    CHECK(r.latency < std::chrono::milliseconds(1500));
}

TEST_CASE("a closed port is a connection failure") {
    int port;
    {
        Server server;
        port = server.port;
    }
    HttpResult r = send("http://127.0.0.1:" + std::to_string(port) + "/x", Target{}, {});
    CHECK_FALSE(r.status);
    CHECK(r.error.find("request failed") == 0);
}
