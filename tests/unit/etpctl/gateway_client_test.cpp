// The pure parts of etpctl's HTTP helper: the URL, the query, and the message of an error.
#include "gateway_client.hpp"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using etp::ctl::describe_error;
using etp::ctl::split_gateway_url;
using etp::ctl::UsageError;

TEST_CASE("A gateway URL splits into origin and base path", "[http]") {
    auto url = split_gateway_url("http://127.0.0.1:8080");
    CHECK(url.origin == "http://127.0.0.1:8080");
    CHECK(url.base_path.empty());
    url = split_gateway_url("https://etp.example.com/platform/");
    CHECK(url.origin == "https://etp.example.com");
    CHECK(url.base_path == "/platform");
    CHECK_THROWS_AS(split_gateway_url("127.0.0.1:8080"), UsageError);
    CHECK_THROWS_AS(split_gateway_url("ftp://h"), UsageError);
    CHECK_THROWS_AS(split_gateway_url("http://"), UsageError);
    CHECK_THROWS_AS(split_gateway_url("http://h/x?y=1"), UsageError);
}

TEST_CASE("Query values are percent-encoded", "[http]") {
    CHECK(etp::ctl::url_encode("a-z_0.9~") == "a-z_0.9~");
    CHECK(etp::ctl::url_encode(R"({"a": 1}&x)") == "%7B%22a%22%3A%201%7D%26x");
    CHECK(etp::ctl::with_query("/p", {}) == "/p");
    CHECK(etp::ctl::with_query("/p", {{"since", "2026-01-01T00:00:00+01:00"}, {"q", "a b"}}) ==
          "/p?since=2026-01-01T00%3A00%3A00%2B01%3A00&q=a%20b");
}

TEST_CASE("A problem+json answer shows its status, detail and each failing field", "[http]") {
    const auto message = describe_error(400, R"({"type":"about:blank","title":"Bad Request",
        "status":400,"detail":"the request has 2 invalid fields","errors":[
        {"pointer":"/schedule/cron","message":"expected 5 fields"},
        {"pointer":"/colour","message":"unknown field"}]})");
    CHECK(message ==
          "400 Bad Request: the request has 2 invalid fields\n"
          "  /schedule/cron: expected 5 fields\n"
          "  /colour: unknown field");
    CHECK(describe_error(404, R"({"title":"Not Found","status":404,"detail":"no trigger x"})") ==
          "404 Not Found: no trigger x");
    CHECK(describe_error(
              422, R"({"status":422,"detail":"d","errors":[{"pointer":"","message":"m"}]})") ==
          "422: d\n  (the body): m");
}

TEST_CASE("Another error body is shown as it is, cut short", "[http]") {
    CHECK(describe_error(502, "bad gateway") == "HTTP 502: bad gateway");
    CHECK(describe_error(500, "") == "HTTP 500");
    const auto long_body = describe_error(500, std::string(1000, 'x'));
    CHECK(long_body.size() < 400);
    CHECK_THAT(long_body, Contains("..."));
}
