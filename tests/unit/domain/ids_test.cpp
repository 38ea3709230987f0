#include <catch2/catch.hpp>
#include <set>

#include "etp/domain/ids.hpp"

using etp::Uuid;

TEST_CASE("Uuid parses and prints the canonical form") {
    auto u = Uuid::parse("0190F1A2-3B4C-7D5E-8F60-0123456789AB");
    REQUIRE(u);
    CHECK(u->to_string() == "0190f1a2-3b4c-7d5e-8f60-0123456789ab");
    CHECK_FALSE(Uuid::parse("0190f1a2-3b4c-7d5e-8f60-0123456789a"));   // short
    CHECK_FALSE(Uuid::parse("0190f1a2x3b4c-7d5e-8f60-0123456789ab"));  // bad dash
    CHECK_FALSE(Uuid::parse("0190f1a2-3b4c-7d5e-8f60-0123456789ag"));  // bad hex
    CHECK_FALSE(Uuid::parse(""));
}

TEST_CASE("uuid v7 carries version, variant and time order") {
    auto t0 = std::chrono::system_clock::time_point(std::chrono::milliseconds(1'700'000'000'000));
    auto a = etp::new_uuid_v7(t0);
    auto b = etp::new_uuid_v7(t0 + std::chrono::milliseconds(1));
    CHECK(a.to_string()[14] == '7');
    CHECK((a.bytes()[8] & 0xC0) == 0x80);
    CHECK(a < b);
    CHECK(a.to_string().substr(0, 13) == "018bcfe5-6800");
    std::set<Uuid> seen;
    for (int i = 0; i < 1000; ++i) seen.insert(etp::new_uuid_v7());
    CHECK(seen.size() == 1000);
}

TEST_CASE("uuid v5 is deterministic and matches RFC 9562's example") {
    auto dns = *Uuid::parse("6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    CHECK(etp::uuid_v5(dns, "www.example.com").to_string() ==
          "2ed6657d-e927-568b-95e1-2665a8aea6a2");
    CHECK(etp::uuid_v5(dns, "a") != etp::uuid_v5(dns, "b"));
}

TEST_CASE("strong ids parse") {
    auto id = etp::TriggerId::parse("0190f1a2-3b4c-7d5e-8f60-0123456789ab");
    REQUIRE(id);
    CHECK(id->to_string() == "0190f1a2-3b4c-7d5e-8f60-0123456789ab");
    CHECK_FALSE(etp::EventId::parse("nope"));
}
