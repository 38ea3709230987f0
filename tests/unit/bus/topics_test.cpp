#include "etp/bus/topics.hpp"

#include <catch2/catch.hpp>

TEST_CASE("Topics use the default etp. prefix", "[topics]") {
    const etp::bus::Topics topics;
    CHECK(topics.trigger_changes() == "etp.trigger.changes");
    CHECK(topics.trigger_fired() == "etp.trigger.fired");
    CHECK(topics.events() == "etp.events");
    CHECK(topics.cdc_changes() == "etp.cdc.changes");
    CHECK(topics.deliveries_dead() == "etp.deliveries.dead");
}

TEST_CASE("Topics carry a custom prefix", "[topics]") {
    const etp::bus::Topics topics("staging.etp.");
    CHECK(topics.trigger_changes() == "staging.etp.trigger.changes");
    CHECK(topics.trigger_fired() == "staging.etp.trigger.fired");
    CHECK(topics.events() == "staging.etp.events");
    CHECK(topics.cdc_changes() == "staging.etp.cdc.changes");
    CHECK(topics.deliveries_dead() == "staging.etp.deliveries.dead");
}

TEST_CASE("Topics list all five with only trigger.changes compacted", "[topics]") {
    const auto all = etp::bus::Topics("x.").all(8);
    REQUIRE(all.size() == 5);
    std::vector<std::string> names;
    for (const auto& spec : all) {
        names.push_back(spec.name);
        CHECK(spec.partitions == 8);
        CHECK(spec.compacted == (spec.name == "x.trigger.changes"));
    }
    CHECK(names == std::vector<std::string>{"x.trigger.changes", "x.trigger.fired", "x.events",
                                            "x.cdc.changes", "x.deliveries.dead"});
}
