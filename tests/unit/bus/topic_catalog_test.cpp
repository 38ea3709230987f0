// The topics as data (proto/kafka/topics.json, built into the binaries) say what the platform
// needs, and agree with the names the code uses (etp::bus::Topics).
#include "etp/bus/topic_catalog.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "etp/bus/topics.hpp"
#include "etp/domain/error.hpp"

using etp::bus::parse_topic_catalog;
using etp::bus::topic_catalog;
using etp::bus::TopicDefinition;

namespace {

std::string proto_file(const std::string& name) {
    std::ifstream in(std::string(ETP_PROTO_DIR) + "/kafka/" + name);
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

const TopicDefinition& topic(const std::string& name) {
    for (const auto& t : topic_catalog())
        if (t.name == name) return t;
    FAIL("no topic " << name << " in the catalog");
    throw std::logic_error("unreachable");
}

std::string config(const std::string& topic_name, const std::string& key) {
    const auto& configs = topic(topic_name).configs;
    auto it = configs.find(key);
    return it == configs.end() ? std::string("(unset)") : it->second;
}

std::string catalog_with_topic(const std::string& topic_json) {
    return R"({"topics": [)" + topic_json + "]}";
}

}  // namespace

TEST_CASE("The embedded catalog is proto/kafka/topics.json as in the source tree", "[catalog]") {
    const auto from_source = parse_topic_catalog(proto_file("topics.json"));
    const auto& embedded = topic_catalog();
    REQUIRE(embedded.size() == from_source.size());
    for (std::size_t i = 0; i < embedded.size(); ++i) {
        CHECK(embedded[i].name == from_source[i].name);
        CHECK(embedded[i].partitions == from_source[i].partitions);
        CHECK(embedded[i].replication_factor == from_source[i].replication_factor);
        CHECK(embedded[i].configs == from_source[i].configs);
        CHECK(embedded[i].retention_follows_event_log ==
              from_source[i].retention_follows_event_log);
    }
}

TEST_CASE("The catalog lists exactly the topics etp::bus::Topics names", "[catalog]") {
    const etp::bus::Topics topics("p.");
    const std::set<std::string> named = {topics.trigger_changes(), topics.trigger_fired(),
                                         topics.events(), topics.cdc_changes(),
                                         topics.deliveries_dead()};
    std::set<std::string> listed;
    for (const auto& t : topic_catalog()) listed.insert("p." + t.name);
    CHECK(listed == named);
    std::set<std::string> all;
    for (const auto& spec : topics.all()) all.insert(spec.name);
    CHECK(all == named);
}

TEST_CASE("Topics::all takes partitions and compaction from the catalog", "[catalog]") {
    for (const auto& spec : etp::bus::Topics().all()) {
        CHECK(spec.partitions == 16);
        CHECK(spec.compacted == (spec.name == "etp.trigger.changes"));
    }
}

TEST_CASE("The catalog asks for what the platform needs", "[catalog]") {
    for (const auto& t : topic_catalog()) {
        INFO(t.name);
        CHECK(t.partitions == 16);
        CHECK(t.replication_factor == 3);
        CHECK(config(t.name, "min.insync.replicas") == "2");
        CHECK_FALSE(t.description.empty());
    }
    // The latest definition per trigger id, kept; tombstones on delete.
    CHECK(config("trigger.changes", "cleanup.policy") == "compact");
    CHECK(topic("trigger.changes").compacted());
    CHECK(config("trigger.changes", "retention.ms") == "(unset)");
    // The event log's retention (EVENT_RETAIN_FOR), filled in by etp-topics.
    CHECK(topic("events").retention_follows_event_log);
    CHECK(config("events", "cleanup.policy") == "delete");
    CHECK(config("events", "retention.ms") == "(unset)");
    CHECK(config("trigger.fired", "retention.ms") == "604800000");  // 7 days
    CHECK(config("cdc.changes", "retention.ms") == "604800000");
    CHECK(config("deliveries.dead", "retention.ms") == "2592000000");  // 30 days
    for (const char* name : {"trigger.fired", "events", "cdc.changes", "deliveries.dead"}) {
        CHECK_FALSE(topic(name).compacted());
        CHECK(topic(name).retention_follows_event_log == (std::string(name) == "events"));
    }
}

TEST_CASE("A broken catalog is refused with what is wrong", "[catalog]") {
    using Catch::Matchers::Contains;
    const std::string good =
        R"({"name": "a", "description": "d", "partitions": 1, "replication_factor": 1,
            "configs": {}})";
    CHECK(parse_topic_catalog(catalog_with_topic(good)).size() == 1);
    CHECK_THROWS_WITH(parse_topic_catalog("{"), Contains("not valid JSON"));
    CHECK_THROWS_WITH(parse_topic_catalog(R"({"topics": []})"), Contains("non-empty array"));
    CHECK_THROWS_WITH(parse_topic_catalog(catalog_with_topic(good + "," + good)),
                      Contains("topic a is listed twice"));
    CHECK_THROWS_WITH(
        parse_topic_catalog(catalog_with_topic(
            R"({"name": "a", "description": "d", "partitions": 0, "replication_factor": 1,
                "configs": {}})")),
        Contains("\"partitions\" must be an integer from 1"));
    CHECK_THROWS_WITH(
        parse_topic_catalog(catalog_with_topic(
            R"({"name": "a", "description": "d", "partitions": 1, "replication_factor": 1,
                "configs": {"retention.ms": 5}})")),
        Contains("config retention.ms must be a string"));
    CHECK_THROWS_WITH(
        parse_topic_catalog(catalog_with_topic(
            R"({"name": "a", "partitions": 1, "replication_factor": 1, "configs": {}})")),
        Contains("topics[0] (a): missing \"description\""));
    CHECK_THROWS_WITH(
        parse_topic_catalog(catalog_with_topic(
            R"({"name": "a", "description": "d", "partitions": 1, "replication_factor": 1,
                "retention_follows_event_log": true, "configs": {"retention.ms": "5"}})")),
        Contains("retention.ms is EVENT_RETAIN_FOR"));
    try {
        parse_topic_catalog("[]");
        FAIL("no throw");
    } catch (const etp::Error& e) {
        CHECK(e.kind() == etp::ErrorKind::kInvalidInput);
    }
}
