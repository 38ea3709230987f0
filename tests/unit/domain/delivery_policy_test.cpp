#include <catch2/catch.hpp>

#include <cmath>
#include <limits>

#include "etp/domain/delivery_policy.hpp"

using etp::RetryPolicy;
using etp::webhook::backoff_delay;
using etp::webhook::is_private_address;
using etp::webhook::parse_retry_after;
using etp::webhook::Verdict;
using std::chrono::milliseconds;
using std::chrono::seconds;

TEST_CASE("statuses are classified into succeed, retry and give up") {
    using etp::webhook::classify_status;
    for (int s : {200, 201, 202, 204, 299}) CHECK(classify_status(s) == Verdict::kSucceeded);
    for (int s : {408, 429, 500, 502, 503, 504, 599}) CHECK(classify_status(s) == Verdict::kRetry);
    for (int s : {0, 100, 199, 300, 301, 304, 400, 401, 403, 404, 409, 410, 422, 600})
        CHECK(classify_status(s) == Verdict::kGiveUp);
}

TEST_CASE("backoff is full jitter below a doubling ceiling") {
    RetryPolicy p{.max_attempts = 8, .initial_backoff_ms = 1000, .max_backoff_ms = 600'000};
    // After the first attempt the ceiling is the initial backoff.
    CHECK(backoff_delay(p, 1, 0.0) == milliseconds{0});
    CHECK(backoff_delay(p, 1, 0.5) == milliseconds{500});
    CHECK(backoff_delay(p, 1, 0.999) == milliseconds{999});
    // Then it doubles.
    CHECK(backoff_delay(p, 2, 0.0) == milliseconds{0});
    CHECK(backoff_delay(p, 2, 0.5) == milliseconds{1000});
    CHECK(backoff_delay(p, 2, 0.999) == milliseconds{1998});
    CHECK(backoff_delay(p, 3, 0.5) == milliseconds{2000});
    CHECK(backoff_delay(p, 10, 0.999) == milliseconds{511'488});  // ceiling 512 s
    // Until max_backoff_ms caps it.
    CHECK(backoff_delay(p, 11, 0.5) == milliseconds{300'000});
    CHECK(backoff_delay(p, 11, 0.999) == milliseconds{599'400});
    CHECK(backoff_delay(p, 11, std::nextafter(1.0, 0.0)) == milliseconds{600'000});
}

TEST_CASE("backoff treats fewer than one attempt as one") {
    RetryPolicy p{.max_attempts = 8, .initial_backoff_ms = 1000, .max_backoff_ms = 600'000};
    for (std::int64_t n :
         {std::int64_t{0}, std::int64_t{-1}, std::numeric_limits<std::int64_t>::min()}) {
        INFO(n);
        CHECK(backoff_delay(p, n, 0.5) == milliseconds{500});
        CHECK(backoff_delay(p, n, 0.999) == milliseconds{999});
    }
}

TEST_CASE("backoff does not overflow for huge attempt counts") {
    RetryPolicy p{
        .max_attempts = 50, .initial_backoff_ms = 3'600'000, .max_backoff_ms = 86'400'000};
    for (std::int64_t n :
         {std::int64_t{30}, std::int64_t{62}, std::int64_t{63}, std::int64_t{64}, std::int64_t{65},
          std::int64_t{1000}, std::numeric_limits<std::int64_t>::max()}) {
        INFO(n);
        CHECK(backoff_delay(p, n, 0.0) == milliseconds{0});
        CHECK(backoff_delay(p, n, 0.5) == milliseconds{43'200'000});
        CHECK(backoff_delay(p, n, 0.999) <= milliseconds{86'400'000});
    }
    // Even a ceiling at the top of int64 stays in range.
    RetryPolicy wide{.max_attempts = 50,
                     .initial_backoff_ms = 1,
                     .max_backoff_ms = std::numeric_limits<std::int64_t>::max()};
    CHECK(backoff_delay(wide, 63, 0.999) <= milliseconds::max());
    // The top of int64 is not a double; the draw lands within the last ulp below it.
    CHECK(backoff_delay(wide, 64, std::nextafter(1.0, 0.0)) >=
          milliseconds::max() - milliseconds{2048});
    CHECK(backoff_delay(wide, 62, 0.5) == milliseconds{std::int64_t{1} << 60});
}

TEST_CASE("backoff clamps a random draw outside 0 to 1") {
    RetryPolicy p{.max_attempts = 8, .initial_backoff_ms = 1000, .max_backoff_ms = 600'000};
    CHECK(backoff_delay(p, 1, -0.5) == milliseconds{0});
    CHECK(backoff_delay(p, 1, std::nan("")) == milliseconds{0});
    CHECK(backoff_delay(p, 1, 1.0) == milliseconds{1000});
    CHECK(backoff_delay(p, 1, 7.0) == milliseconds{1000});
    CHECK(backoff_delay(p, 1, std::numeric_limits<double>::infinity()) == milliseconds{1000});
}

TEST_CASE("every backoff lies within its ceiling") {
    RetryPolicy p{.max_attempts = 8, .initial_backoff_ms = 250, .max_backoff_ms = 30'000};
    for (std::int64_t n = 1; n <= 100; ++n) {
        std::int64_t ceiling = n > 20 ? 30'000 : std::min<std::int64_t>(30'000, 250LL << (n - 1));
        for (double r : {0.0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999999}) {
            auto d = backoff_delay(p, n, r);
            CHECK(d >= milliseconds{0});
            CHECK(d <= milliseconds{ceiling});
        }
    }
}

TEST_CASE("Retry-After delta-seconds") {
    auto now = *etp::parse_rfc3339("2026-01-01T00:00:00Z");
    CHECK(parse_retry_after("120", now) == seconds{120});
    CHECK(parse_retry_after("0", now) == seconds{0});
    CHECK(parse_retry_after(" 30\t", now) == seconds{30});
    CHECK(parse_retry_after("0042", now) == seconds{42});
    // Capped at a day (issue 22: 9.2e15 s overflowed the dispatcher's conversion to
    // milliseconds, which UBSan aborts on); more digits than int64 holds are a day too.
    CHECK(parse_retry_after("86400", now) == seconds{86'400});
    CHECK(parse_retry_after("86401", now) == seconds{86'400});
    for (const char* huge : {"9200000000000000", "9223372036854775807", "9223372036854775808",
                             "99999999999999999999999"}) {
        INFO(huge);
        REQUIRE(parse_retry_after(huge, now) == seconds{86'400});
        // What the dispatcher does with it.
        CHECK(std::chrono::milliseconds(*parse_retry_after(huge, now)).count() == 86'400'000);
    }
    CHECK(parse_retry_after("Fri, 31 Dec 9999 23:59:59 GMT", now) == seconds{86'400});
    for (const char* bad : {"", " ", "-1", "+5", "1.5", "1e3", "abc", "12abc", "12 34", "0x10"}) {
        INFO(bad);
        CHECK_FALSE(parse_retry_after(bad, now));
    }
}

TEST_CASE("Retry-After HTTP-date is relative to now") {
    auto now = *etp::parse_rfc3339("1994-11-06T08:49:00Z");
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now) == seconds{37});
    CHECK(parse_retry_after("Mon, 07 Nov 1994 08:49:00 GMT", now) == seconds{86'400});
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:00 GMT", now) == seconds{0});
    // A date in the past means "now".
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:48:59 GMT", now) == seconds{0});
    CHECK(parse_retry_after("Thu, 01 Jan 1970 00:00:00 GMT", now) == seconds{0});
    // A fraction of a second left rounds up, never early.
    auto just_before = *etp::parse_rfc3339("1994-11-06T08:49:36.5Z");
    CHECK(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", just_before) == seconds{1});
    // A leap year's 29 February.
    CHECK(parse_retry_after("Thu, 29 Feb 1996 00:00:00 GMT", now).has_value());
    for (const char* bad : {"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
                            "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 6 Nov 1994 08:49:37 GMT",
                            "sun, 06 nov 1994 08:49:37 GMT", "Xyz, 06 Nov 1994 08:49:37 GMT",
                            "Sun, 06 Foo 1994 08:49:37 GMT", "Sun, 31 Feb 1994 08:49:37 GMT",
                            "Sat, 29 Feb 1997 00:00:00 GMT", "Sun, 06 Nov 1994 24:00:00 GMT",
                            "Sun, 06 Nov 1994 08:60:00 GMT", "Sun, 06 Nov 1994 08:49:61 GMT",
                            "Sun, 06 Nov 1994 08:49:37 GMT junk", "Sun, 06 Nov 1994 8:49:37 GMT",
                            "Sun, 0x Nov 1994 08:49:37 GMT"}) {
        INFO(bad);
        CHECK_FALSE(parse_retry_after(bad, now));
    }
}

TEST_CASE("private and public address literals") {
    for (const char* ip :
         {"127.0.0.1", "127.255.255.254", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
          "169.254.169.254", "100.64.0.1", "100.127.255.255", "0.0.0.0", "0.1.2.3", "224.0.0.1",
          "239.255.255.250", "255.255.255.255", "::", "::1", "[::1]", "fe80::1", "FE80::1",
          "febf::1", "fe80::1%eth0", "fc00::1", "fd00::1", "ff02::1", "::ffff:127.0.0.1",
          "::ffff:7f00:1", "::ffff:10.0.0.1", "[::ffff:169.254.169.254]", "::ffff:0:192.168.0.1",
          "::127.0.0.1", "::10.0.0.1", "64:ff9b::127.0.0.1", "64:ff9b::a9fe:a9fe",
          "64:ff9b:1::8.8.8.8",
          // issue 22: these were missing
          "192.0.0.1", "192.0.0.255", "198.18.0.1", "198.19.255.255", "2002::1", "2002:7f00:1::1",
          "2002:c0a8:101::", "2001::1", "2001:0:4136:e378:8000:63bf:3fff:fdd2",
          "2001:0:ffff:ffff:ffff:ffff:ffff:ffff", "[2002:a9fe:a9fe::1]"}) {
        INFO(ip);
        CHECK(is_private_address(ip));
    }
    for (const char* ip :
         {"8.8.8.8", "1.1.1.1", "172.15.255.255", "172.32.0.1", "100.63.255.255", "100.128.0.1",
          "169.253.0.1", "192.167.1.1", "11.0.0.1", "126.255.255.255", "223.255.255.255",
          "2001:4860:4860::8888", "[2001:4860:4860::8888]", "2606:4700:4700::1111",
          "::ffff:8.8.8.8", "::8.8.8.8", "64:ff9b::8.8.8.8", "fbff::1", "fe7f::1",
          // next to the ranges added for issue 22; Teredo is 2001:0::/32 only
          "191.255.255.255", "192.0.1.1", "198.17.255.255", "198.20.0.1", "2001:1::1",
          "2001:db9::1", "2001:4860::1", "2003::1", "2001:1:0:0:0:0:0:1"}) {
        INFO(ip);
        CHECK_FALSE(is_private_address(ip));
    }
}

TEST_CASE("anything that is not an address literal is not private") {
    for (const char* text : {"", "[]", "localhost", "example.com", "127.0.0.1.nip.io", "127.1",
                             "2130706433", "0x7f000001", "010.0.0.1", "127.0.0.1:80", "[::1]:80",
                             "::1]", "[::1", "1.2.3.4.5", "256.0.0.1", "::g", " 127.0.0.1"}) {
        INFO(text);
        CHECK_FALSE(is_private_address(text));
    }
}

TEST_CASE("a schedule's delay is its entry with ±20 % jitter, the last one past its end") {
    RetryPolicy p;
    p.schedule_seconds = {5, 300, 1800};
    p.max_attempts = 4;
    CHECK(backoff_delay(p, 1, 0.0) == milliseconds{4000});
    CHECK(backoff_delay(p, 1, 0.5) == milliseconds{5000});
    CHECK(backoff_delay(p, 1, std::nextafter(1.0, 0.0)) == milliseconds{6000});
    CHECK(backoff_delay(p, 2, 0.5) == milliseconds{300'000});
    CHECK(backoff_delay(p, 3, 0.0) == milliseconds{1'440'000});
    CHECK(backoff_delay(p, 9, 0.5) == milliseconds{1'800'000});
    CHECK(backoff_delay(p, 0, 0.5) == milliseconds{5000});
    CHECK(backoff_delay(p, 1, std::nan("")) == milliseconds{4000});
    const auto standard = etp::standard_retry_schedule();
    milliseconds total{0};
    for (std::int64_t a = 1; a < standard.max_attempts; ++a)
        total += backoff_delay(standard, a, std::nextafter(1.0, 0.0));
    // At most about 33 h with the largest jitter: within the default EVENT_RETAIN_FOR (48 h).
    CHECK(total < std::chrono::hours(34));
    CHECK(total > std::chrono::hours(33));
}
