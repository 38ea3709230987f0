// The line etp-topics prints per topic, and the exit code.
#include "topic_report.hpp"

#include <catch2/catch.hpp>

using etp::topics::exit_code_for;
using etp::topics::format_line;
using etp::topics::TopicReport;
using etp::topics::TopicStatus;

TEST_CASE("One line per topic says what happened", "[report]") {
    CHECK(format_line({"etp.events", TopicStatus::kCreated, {}, {}}) == "etp.events: created");
    CHECK(format_line({"etp.events", TopicStatus::kOk, {}, {}}) == "etp.events: ok");
    CHECK(format_line({"etp.events", TopicStatus::kOk, {}, {"32 partitions, wanted 16"}}) ==
          "etp.events: ok (32 partitions, wanted 16)");
    CHECK(format_line({"etp.trigger.changes",
                       TopicStatus::kDrift,
                       {"4 partitions, wanted 16", "cleanup.policy=delete, wanted compact"},
                       {}}) ==
          "etp.trigger.changes: drift: 4 partitions, wanted 16; cleanup.policy=delete, wanted "
          "compact");
    CHECK(format_line({"etp.events", TopicStatus::kMissing, {}, {}}) == "etp.events: missing");
    CHECK(format_line({"etp.events",
                       TopicStatus::kFailed,
                       {"INVALID_REPLICATION_FACTOR: Replication factor: 3 larger than 1"},
                       {}}) ==
          "etp.events: failed: INVALID_REPLICATION_FACTOR: Replication factor: 3 larger than 1");
}

TEST_CASE("Exit 0 only when every topic is created or ok", "[report]") {
    std::vector<TopicReport> reports = {{"a", TopicStatus::kCreated, {}, {}},
                                        {"b", TopicStatus::kOk, {}, {"noted"}}};
    CHECK(exit_code_for(reports) == 0);
    for (auto status : {TopicStatus::kDrift, TopicStatus::kMissing, TopicStatus::kFailed}) {
        auto with = reports;
        with.push_back({"c", status, {}, {}});
        CHECK(exit_code_for(with) == 1);
    }
}
