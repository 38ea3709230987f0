// The gateway's side of webhook targets: which targets a definition may name, and that the
// trigger's API representation carries a secret only when one is shown once (and never in the
// change it publishes).

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "etp/bus/trigger_change.hpp"
#include "etp/domain/webhook_signature.hpp"
#include "webhook_target.hpp"

using etp::gateway::check_target_url;
using etp::gateway::target_url_error;
using etp::gateway::trigger_json;
using nlohmann::json;

namespace {

etp::TriggerSpec with_target(const std::string& url) {
    return etp::parse_trigger_spec({{"name", "t"}, {"type", "api"}, {"target", {{"url", url}}}});
}

}  // namespace

TEST_CASE("private targets are refused at the target's url unless allowed") {
    for (const char* url :
         {"http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]/", "https://10.1.2.3/hook",
          "http://169.254.169.254/latest/meta-data", "http://api.localhost/x"}) {
        INFO(url);
        auto error = target_url_error(with_target(url), false);
        REQUIRE(error);
        CHECK(error->pointer == "/target/url");
        CHECK(error->message.find("ETP_ALLOW_PRIVATE_TARGETS") != std::string::npos);
        CHECK(target_url_error(with_target(url), false, "/trigger")->pointer ==
              "/trigger/target/url");
        CHECK_FALSE(target_url_error(with_target(url), true));
        CHECK_THROWS_AS(check_target_url(with_target(url), false), etp::ValidationError);
        CHECK_NOTHROW(check_target_url(with_target(url), true));
    }
    for (const char* url : {"https://example.com/hook", "http://93.184.216.34/x"}) {
        INFO(url);
        CHECK_FALSE(target_url_error(with_target(url), false));
    }
    CHECK_FALSE(target_url_error(etp::parse_trigger_spec({{"name", "t"}, {"type", "api"}}), false));
}

// Issue 22: the check reads the URL as the dispatcher's client does (net::parse_url), so a URL
// the client cannot use is refused when the trigger is saved, not dead at its first delivery.
TEST_CASE("target URLs the dispatcher cannot use are refused, private targets allowed or not") {
    for (const char* url : {"http://example.com:99999/x", "http://example.com:0/", "http://[::1/x",
                            "http://user@/x", "https://:443/"}) {
        INFO(url);
        for (bool allow : {false, true}) {
            auto error = target_url_error(with_target(url), allow, "/trigger");
            REQUIRE(error);
            CHECK(error->pointer == "/trigger/target/url");
            CHECK(error->message ==
                  "must be an http:// or https:// URL with a host and, if given, a port from 1 "
                  "to 65535");
        }
    }
    // Decided on the host the client connects to: after the last '@', numeric forms included.
    for (const char* url : {"http://example.com@127.0.0.1/", "http://2130706433/", "http://0x7f.1/",
                            "http://127.0.0.1./", "http://[fe80::1%25eth0]/",
                            "http://[2002:a9fe:a9fe::]/", "http://198.18.0.1/"}) {
        INFO(url);
        CHECK(target_url_error(with_target(url), false));
        CHECK_FALSE(target_url_error(with_target(url), true));
    }
    CHECK_FALSE(target_url_error(with_target("http://127.0.0.1@example.com/"), false));
}

TEST_CASE("a trigger's JSON shows a secret only when it is shown once") {
    std::string secret = etp::webhook::generate_secret();
    json body = {{"name", "t"},
                 {"type", "api"},
                 {"target", {{"url", "https://example.com/hook"}, {"secret", secret}}}};
    etp::Trigger t{etp::TriggerId{etp::new_uuid_v7()}, etp::parse_trigger_spec(body), 1,
                   etp::now_utc(), etp::now_utc()};
    json plain = trigger_json(t);
    CHECK(plain.dump().find(secret) == std::string::npos);
    CHECK_FALSE(plain["target"].contains("secret"));
    CHECK_FALSE(plain["target"].contains("has_secret"));
    CHECK(plain["target"]["url"] == "https://example.com/hook");

    std::string generated = etp::webhook::generate_secret();
    json shown = trigger_json(t, generated);
    CHECK(shown["target"]["secret"] == generated);

    t.spec.target.reset();
    CHECK(trigger_json(t, generated)["target"].is_null());
}

TEST_CASE(
    "the trigger change published on etp.trigger.changes holds the trigger as the API shows "
    "it") {
    std::string secret = etp::webhook::generate_secret();
    json body = {{"name", "t"},
                 {"type", "api"},
                 {"target", {{"url", "https://example.com/hook"}, {"secret", secret}}}};
    etp::Trigger t{etp::TriggerId{etp::new_uuid_v7()}, etp::parse_trigger_spec(body), 4,
                   etp::now_utc(), etp::now_utc()};
    auto message = etp::bus::make_trigger_change_message(etp::bus::Topics{}, t);
    REQUIRE(message.value);
    CHECK(message.value->find(secret) == std::string::npos);
    const json value = json::parse(*message.value);
    CHECK(value["type"] == "etp.trigger.changed");
    CHECK(value["data"] == trigger_json(t));
    CHECK(message.key == t.id.to_string());
    bool has_content_type = false;
    for (const auto& h : message.headers)
        if (h.key == "content-type") has_content_type = true;
    CHECK(has_content_type);
}

namespace {

etp::Trigger trigger_with_credentials() {
    json body = {{"name", "t"},
                 {"type", "api"},
                 {"target",
                  {{"url", "https://hook-user:hunter2-pass@example.com:8443/hook?x=1"},
                   {"headers", {{"Authorization", "Bearer tok-123456"}, {"X-Api-Token", "abc"}}},
                   {"secret", etp::webhook::generate_secret()}}}};
    return {etp::TriggerId{etp::new_uuid_v7()}, etp::parse_trigger_spec(body), 1, etp::now_utc(),
            etp::now_utc()};
}

}  // namespace

TEST_CASE("read-only keys see target header values and URL user info hidden; write keys all") {
    using etp::gateway::Scope;
    using etp::gateway::trigger_json_for;
    const etp::Trigger t = trigger_with_credentials();
    for (const auto& scopes : std::vector<std::vector<Scope>>{{Scope::kRead}, {Scope::kFire}, {}}) {
        json shown = trigger_json_for(t, scopes);
        CHECK(shown.dump().find("tok-123456") == std::string::npos);
        CHECK(shown.dump().find("hunter2") == std::string::npos);
        CHECK(shown["target"]["headers"] ==
              json{{"Authorization", "********"}, {"X-Api-Token", "********"}});
        CHECK(shown["target"]["url"] == "https://hook-user:********@example.com:8443/hook?x=1");
        CHECK_FALSE(shown["target"].contains("secret"));
    }
    for (const auto& scopes : std::vector<std::vector<Scope>>{
             {Scope::kWrite}, {Scope::kAdmin}, {Scope::kRead, Scope::kWrite}}) {
        json shown = trigger_json_for(t, scopes);
        CHECK(shown["target"]["headers"]["Authorization"] == "Bearer tok-123456");
        CHECK(shown["target"]["url"] == "https://hook-user:hunter2-pass@example.com:8443/hook?x=1");
        CHECK_FALSE(shown["target"].contains("secret"));
    }
}

TEST_CASE("the trigger change on etp.trigger.changes hides target headers and URL user info") {
    const etp::Trigger t = trigger_with_credentials();
    auto message = etp::bus::make_trigger_change_message(etp::bus::Topics{}, t);
    REQUIRE(message.value);
    CHECK(message.value->find("tok-123456") == std::string::npos);
    CHECK(message.value->find("hunter2") == std::string::npos);
    const json value = json::parse(*message.value);
    CHECK(value["data"] == etp::gateway::trigger_json_for(t, {etp::gateway::Scope::kRead}));
    CHECK(value["data"]["target"]["headers"]["X-Api-Token"] == "********");
}
