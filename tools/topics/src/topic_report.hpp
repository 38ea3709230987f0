#pragma once
// What etp-topics says about each topic (one line on stdout) and the exit code they add up to.
// Pure; no I/O.

#include <string>
#include <vector>

namespace etp::topics {

// The exit codes, as --help lists them.
inline constexpr int kExitOk = 0;           // every topic exists as wanted
inline constexpr int kExitNotAsWanted = 1;  // drift, missing (--check), or not created
inline constexpr int kExitConfig = 2;       // a bad setting (runtime::ConfigSpec)
inline constexpr int kExitUnreachable = 3;  // no answer from Kafka within --timeout

enum class TopicStatus {
    kCreated,  // created now, as wanted
    kOk,       // existed, as wanted (notes may list differences that are fine)
    kDrift,    // existed, not as wanted; left unchanged
    kMissing,  // does not exist; --check creates nothing
    kFailed,   // could not be created or described
};

struct TopicReport {
    std::string name;
    TopicStatus status = TopicStatus::kOk;
    std::vector<std::string> details;  // what drifted, or why it failed
    std::vector<std::string> notes;    // differences that are fine
};

// "etp.events: created", "etp.events: ok", "etp.events: ok (32 partitions, wanted 16)",
// "etp.trigger.changes: drift: 4 partitions, wanted 16; cleanup.policy=delete, wanted compact",
// "etp.events: missing", "etp.events: failed: <reason>".
std::string format_line(const TopicReport& report);

// kExitOk when every topic is created or ok, else kExitNotAsWanted.
int exit_code_for(const std::vector<TopicReport>& reports);

}  // namespace etp::topics
