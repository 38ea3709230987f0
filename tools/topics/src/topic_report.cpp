#include "topic_report.hpp"

namespace etp::topics {
namespace {

std::string joined(const std::vector<std::string>& items) {
    std::string out;
    for (const auto& item : items) {
        if (!out.empty()) out += "; ";
        out += item;
    }
    return out;
}

std::string status_text(TopicStatus status) {
    switch (status) {
        case TopicStatus::kCreated:
            return "created";
        case TopicStatus::kOk:
            return "ok";
        case TopicStatus::kDrift:
            return "drift";
        case TopicStatus::kMissing:
            return "missing";
        case TopicStatus::kFailed:
            return "failed";
    }
    return "unknown";
}

}  // namespace

std::string format_line(const TopicReport& report) {
    std::string line = report.name + ": " + status_text(report.status);
    if (!report.details.empty()) line += ": " + joined(report.details);
    if (!report.notes.empty()) line += " (" + joined(report.notes) + ")";
    return line;
}

int exit_code_for(const std::vector<TopicReport>& reports) {
    for (const auto& report : reports) {
        if (report.status != TopicStatus::kCreated && report.status != TopicStatus::kOk)
            return kExitNotAsWanted;
    }
    return kExitOk;
}

}  // namespace etp::topics
