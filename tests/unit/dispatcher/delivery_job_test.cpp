// What one webhook attempt leaves its delivery as: the state recorded, the error and answer kept,
// and when a retry is due.
#include "delivery_job.hpp"

#include <catch2/catch.hpp>
#include <memory>

using namespace etp;
using namespace etp::dispatcher;
using namespace std::chrono_literals;

namespace {

// Attempt `attempts_done + 1` of a delivery whose policy allows `max_attempts`, retrying after
// exactly a second (a schedule: ±20 % jitter).
DeliveryJob job(std::int64_t attempts_done, std::int64_t max_attempts = 8) {
    auto settings = std::make_shared<DeliverySettings>();
    settings->target.url = "http://a.test/hook";
    settings->retry.max_attempts = max_attempts;
    settings->retry.schedule_seconds.assign(static_cast<std::size_t>(max_attempts - 1), 1);
    auto event = std::make_shared<Event>();
    event->triggered_at = now_utc() - 1h;
    DeliveryJob j;
    j.key.number = 2;
    j.event = event;
    j.settings = settings;
    j.attempts_done = attempts_done;
    return j;
}

net::ClientResponse answer(int status, std::string body = "") {
    net::ClientResponse r;
    r.status = status;
    r.body_head = std::move(body);
    r.elapsed = 42ms;
    return r;
}

}  // namespace

TEST_CASE("a 2xx answer ends the delivery succeeded, with the answer kept") {
    auto started = now_utc();
    auto f = finish_attempt(job(0), started, answer(204, "thanks"), false);
    CHECK(f.outcome.status == "succeeded");
    CHECK(f.outcome.attempt == 1);
    CHECK(f.outcome.key.number == 2);
    CHECK(f.outcome.http_status == 204);
    CHECK(f.outcome.started_at == started);
    CHECK(f.outcome.latency_ms == 42);
    CHECK(f.outcome.response_body == "thanks");
    CHECK_FALSE(f.outcome.error);
    CHECK_FALSE(f.outcome.next_attempt_at);
    CHECK(f.target_url == "http://a.test/hook");
}

TEST_CASE("a failed attempt is retried after the policy's delay, or the answer's Retry-After") {
    auto before = now_utc();
    auto f = finish_attempt(job(2), before, answer(503), false);
    CHECK(f.outcome.status == "pending");
    CHECK(f.outcome.attempt == 3);
    CHECK(f.outcome.error == "HTTP 503");
    REQUIRE(f.outcome.next_attempt_at);
    CHECK(*f.outcome.next_attempt_at >= before + 800ms);
    CHECK(*f.outcome.next_attempt_at <= now_utc() + 1200ms);

    auto later = answer(429);
    later.headers.emplace_back("Retry-After", "120");
    f = finish_attempt(job(0), before, later, false);
    CHECK(f.outcome.status == "pending");
    REQUIRE(f.outcome.next_attempt_at);
    CHECK(*f.outcome.next_attempt_at >= before + 120s);
    CHECK(*f.outcome.next_attempt_at <= now_utc() + 121s);

    net::ClientResponse none;
    none.error = "connection refused";
    f = finish_attempt(job(0), before, none, false);
    CHECK(f.outcome.status == "pending");
    CHECK(f.outcome.error == "connection refused");
    CHECK_FALSE(f.outcome.http_status);
    CHECK_FALSE(f.outcome.response_body);
}

TEST_CASE("the last attempt, a final 4xx or giving up ends the delivery dead") {
    auto started = now_utc();
    auto last = finish_attempt(job(7, 8), started, answer(500), false);
    CHECK(last.outcome.status == "dead");
    CHECK(last.outcome.attempt == 8);
    CHECK_FALSE(last.outcome.next_attempt_at);

    auto gone = finish_attempt(job(0), started, answer(410, "gone"), false);
    CHECK(gone.outcome.status == "dead");
    CHECK(gone.outcome.error == "HTTP 410");

    net::ClientResponse refused;
    refused.error = "address refused";
    refused.refused = true;
    auto given_up = finish_attempt(job(0), started, refused, true);
    CHECK(given_up.outcome.status == "dead");
    CHECK(given_up.outcome.error == "address refused");
}
