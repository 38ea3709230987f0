// The wanted topics for a cluster: the catalog under the prefix, EVENT_RETAIN_FOR on the
// events topic, and a replication factor the cluster can hold.
#include "topic_plan.hpp"

#include <catch2/catch.hpp>

#include "etp/bus/topic_catalog.hpp"

using namespace std::chrono_literals;
using etp::topics::plan_topics;
using etp::topics::PlanInput;
using etp::topics::WantedTopic;

namespace {

PlanInput input(int brokers, std::chrono::milliseconds retain_for = 48h,
                std::string prefix = "etp.") {
    PlanInput in;
    in.prefix = std::move(prefix);
    in.event_retain_for = retain_for;
    in.broker_count = brokers;
    return in;
}

const WantedTopic& find(const std::vector<WantedTopic>& wanted, const std::string& name) {
    for (const auto& t : wanted)
        if (t.name == name) return t;
    FAIL("no wanted topic " << name);
    throw std::logic_error("unreachable");
}

std::string config(const WantedTopic& topic, const std::string& key) {
    auto it = topic.configs.find(key);
    return it == topic.configs.end() ? std::string("(unset)") : it->second;
}

}  // namespace

TEST_CASE("On a cluster of three, every topic is as the catalog says", "[plan]") {
    const auto wanted = plan_topics(etp::bus::topic_catalog(), input(3));
    REQUIRE(wanted.size() == 5);
    std::vector<std::string> names;
    for (const auto& t : wanted) {
        names.push_back(t.name);
        CHECK(t.partitions == 16);
        CHECK(t.replication_factor == 3);
        CHECK(t.catalog_replication_factor == 3);
        CHECK(config(t, "min.insync.replicas") == "2");
    }
    CHECK(names == std::vector<std::string>{"etp.trigger.changes", "etp.trigger.fired",
                                            "etp.events", "etp.cdc.changes",
                                            "etp.deliveries.dead"});
    CHECK(config(find(wanted, "etp.trigger.changes"), "cleanup.policy") == "compact");
    CHECK(config(find(wanted, "etp.trigger.changes"), "retention.ms") == "(unset)");
    CHECK(config(find(wanted, "etp.events"), "retention.ms") == "172800000");  // 48h
    CHECK(config(find(wanted, "etp.events"), "cleanup.policy") == "delete");
    CHECK(config(find(wanted, "etp.trigger.fired"), "retention.ms") == "604800000");
    CHECK(config(find(wanted, "etp.deliveries.dead"), "retention.ms") == "2592000000");
}

TEST_CASE("The events topic keeps its messages for EVENT_RETAIN_FOR", "[plan]") {
    const auto wanted = plan_topics(etp::bus::topic_catalog(), input(3, 7 * 24h, "staging."));
    CHECK(config(find(wanted, "staging.events"), "retention.ms") == "604800000");
    CHECK(config(find(wanted, "staging.deliveries.dead"), "retention.ms") == "2592000000");
    const auto short_log = plan_topics(etp::bus::topic_catalog(), input(3, 6s));
    CHECK(config(find(short_log, "etp.events"), "retention.ms") == "6000");
}

TEST_CASE("The replication factor is capped at the brokers, min.insync.replicas below it",
          "[plan]") {
    const auto single = plan_topics(etp::bus::topic_catalog(), input(1));
    for (const auto& t : single) {
        CHECK(t.replication_factor == 1);
        CHECK(t.catalog_replication_factor == 3);
        CHECK(config(t, "min.insync.replicas") == "1");
    }
    const auto two = plan_topics(etp::bus::topic_catalog(), input(2));
    CHECK(two.front().replication_factor == 2);
    CHECK(config(two.front(), "min.insync.replicas") == "1");
    const auto five = plan_topics(etp::bus::topic_catalog(), input(5));
    CHECK(five.front().replication_factor == 3);
    CHECK(config(five.front(), "min.insync.replicas") == "2");
}

TEST_CASE("KAFKA_TOPIC_REPLICATION_FACTOR is taken as given", "[plan]") {
    PlanInput in = input(1);
    in.replication_factor = 5;
    const auto wanted = plan_topics(etp::bus::topic_catalog(), in);
    CHECK(wanted.front().replication_factor == 5);  // the broker will refuse it, and say so
    CHECK(config(wanted.front(), "min.insync.replicas") == "2");
    in.replication_factor = 1;
    CHECK(config(plan_topics(etp::bus::topic_catalog(), in).front(), "min.insync.replicas") == "1");
}

TEST_CASE("min.insync.replicas leaves one replica to spare", "[plan]") {
    using etp::topics::min_insync_replicas_for;
    CHECK(min_insync_replicas_for(2, 1) == 1);
    CHECK(min_insync_replicas_for(2, 2) == 1);
    CHECK(min_insync_replicas_for(2, 3) == 2);
    CHECK(min_insync_replicas_for(2, 7) == 2);
    CHECK(min_insync_replicas_for(3, 3) == 2);
}
