// What etp-topics says about an existing topic, given what the cluster reports.
#include "topic_drift.hpp"

#include <catch2/catch.hpp>

using etp::topics::compare_topic;
using etp::topics::ObservedState;
using etp::topics::WantedTopic;
using Lines = std::vector<std::string>;

namespace {

WantedTopic compacted() {
    return {"etp.trigger.changes",
            16,
            3,
            3,
            {{"cleanup.policy", "compact"}, {"min.insync.replicas", "2"}}};
}

WantedTopic retained() {
    return {"etp.events",
            16,
            3,
            3,
            {{"cleanup.policy", "delete"},
             {"min.insync.replicas", "2"},
             {"retention.ms", "172800000"}}};
}

// What a broker reports for a topic created as wanted: the wanted configs and its defaults.
ObservedState as_created(const WantedTopic& wanted) {
    ObservedState observed{wanted.partitions, wanted.replication_factor, wanted.configs};
    observed.configs.emplace("retention.ms", "604800000");  // the broker's default
    observed.configs.emplace("segment.bytes", "1073741824");
    return observed;
}

}  // namespace

TEST_CASE("A topic as wanted is ok, whatever else the broker reports", "[drift]") {
    for (const auto& wanted : {compacted(), retained()}) {
        const auto result = compare_topic(wanted, as_created(wanted));
        CHECK(result.drift.empty());
        CHECK(result.notes.empty());
    }
}

TEST_CASE("Fewer partitions and another cleanup.policy are drift", "[drift]") {
    ObservedState observed = as_created(compacted());
    observed.partitions = 4;
    observed.configs["cleanup.policy"] = "delete";
    const auto result = compare_topic(compacted(), observed);
    CHECK(result.drift ==
          Lines{"4 partitions, wanted 16", "cleanup.policy=delete, wanted compact"});
    CHECK(result.notes.empty());
}

TEST_CASE("More partitions are fine, and noted", "[drift]") {
    ObservedState observed = as_created(retained());
    observed.partitions = 32;
    const auto result = compare_topic(retained(), observed);
    CHECK(result.drift.empty());
    CHECK(result.notes == Lines{"32 partitions, wanted 16"});
}

TEST_CASE("A shorter retention is drift; a longer or unlimited one is noted", "[drift]") {
    ObservedState observed = as_created(retained());
    observed.configs["retention.ms"] = "3600000";
    CHECK(compare_topic(retained(), observed).drift ==
          Lines{"retention.ms=3600000 (1h), wanted at least 172800000 (2d)"});

    observed.configs["retention.ms"] = "604800000";
    auto result = compare_topic(retained(), observed);
    CHECK(result.drift.empty());
    CHECK(result.notes == Lines{"retention.ms=604800000 (7d), longer than 172800000 (2d)"});

    observed.configs["retention.ms"] = "-1";
    result = compare_topic(retained(), observed);
    CHECK(result.drift.empty());
    CHECK(result.notes == Lines{"retention.ms=unlimited, longer than 172800000 (2d)"});

    WantedTopic forever = retained();
    forever.configs["retention.ms"] = "-1";
    observed.configs["retention.ms"] = "604800000";
    CHECK(compare_topic(forever, observed).drift ==
          Lines{"retention.ms=604800000 (7d), wanted at least unlimited"});
}

TEST_CASE("cleanup.policy compares as a set", "[drift]") {
    WantedTopic wanted = compacted();
    wanted.configs["cleanup.policy"] = "compact,delete";
    ObservedState observed = as_created(wanted);
    observed.configs["cleanup.policy"] = "delete, compact";
    CHECK(compare_topic(wanted, observed).drift.empty());
    observed.configs["cleanup.policy"] = "compact";
    CHECK(compare_topic(wanted, observed).drift ==
          Lines{"cleanup.policy=compact, wanted compact,delete"});
}

TEST_CASE("Fewer replicas, or a min.insync.replicas producers cannot meet, are drift", "[drift]") {
    ObservedState observed = as_created(compacted());
    observed.replication_factor = 1;
    observed.configs["min.insync.replicas"] = "1";
    CHECK(compare_topic(compacted(), observed).drift ==
          Lines{"replication factor 1, wanted 3", "min.insync.replicas=1, wanted 2"});

    observed = as_created(compacted());
    observed.configs["min.insync.replicas"] = "4";
    CHECK(compare_topic(compacted(), observed).drift ==
          Lines{"min.insync.replicas=4 exceeds the replication factor 3: acks=all writes fail"});

    observed.configs["min.insync.replicas"] = "3";
    const auto result = compare_topic(compacted(), observed);
    CHECK(result.drift.empty());
    CHECK(result.notes == Lines{"min.insync.replicas=3, wanted 2"});

    observed = as_created(compacted());
    observed.replication_factor = 5;
    CHECK(compare_topic(compacted(), observed).notes == Lines{"replication factor 5, wanted 3"});
}

TEST_CASE("A config the broker does not report is drift", "[drift]") {
    WantedTopic wanted = compacted();
    wanted.configs["min.compaction.lag.ms"] = "60000";
    CHECK(compare_topic(wanted, as_created(compacted())).drift ==
          Lines{"min.compaction.lag.ms=(not reported), wanted 60000"});
}

TEST_CASE("Durations read in their largest whole unit", "[drift]") {
    using etp::topics::format_ms;
    CHECK(format_ms(172800000) == "2d");
    CHECK(format_ms(3600000) == "1h");
    CHECK(format_ms(5400000) == "90m");
    CHECK(format_ms(30000) == "30s");
    CHECK(format_ms(1500) == "1500ms");
    CHECK(format_ms(0) == "0ms");
}
