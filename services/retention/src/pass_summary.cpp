#include "pass_summary.hpp"

#include <string>

#include "etp/bus/event_message.hpp"
#include "etp/runtime/log.hpp"

namespace etp::retention {
namespace {

void publish(bus::Producer& producer, const bus::Topics& topics,
             const bus::RetentionSummary& summary) {
    const std::string type(summary.type);
    try {
        producer.produce(bus::make_retention_summary_message(topics, summary),
                         [type](std::optional<Error> error) {
                             if (error)
                                 log::warn("retention summary not published",
                                           {{"type", type}, {"error", error->what()}});
                         });
    } catch (const Error& e) {
        log::warn("retention summary not published", {{"type", type}, {"error", e.what()}});
    }
}

}  // namespace

void publish_summaries(bus::Producer& producer, const bus::Topics& topics,
                       const PassReport& report) {
    if (report.archived > 0)
        publish(
            producer, topics,
            {bus::kEventsArchivedType, report.archived, report.archive_before, report.started_at});
    if (report.deleted > 0)
        publish(producer, topics,
                {bus::kEventsDeletedType, report.deleted, report.delete_before, report.started_at});
}

}  // namespace etp::retention
