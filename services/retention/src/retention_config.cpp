#include "retention_config.hpp"

namespace etp::retention {

runtime::ConfigSpec make_config_spec(RetentionConfig& config) {
    runtime::ConfigSpec spec("retention",
                             "Archives events after EVENT_ACTIVE_FOR and deletes them after "
                             "EVENT_RETAIN_FOR. In this build it connects to PostgreSQL and Kafka "
                             "and reports health; the jobs arrive with the retention issue.");
    runtime::add_common(spec, config.common, 9105);
    spec.duration("EVENT_ACTIVE_FOR", "2h", "how long an event stays active before it is archived",
                  config.active_for)
        .duration("EVENT_RETAIN_FOR", "48h", "how long an event is kept before it is deleted",
                  config.retain_for)
        .duration("RETENTION_INTERVAL", "1m", "how often the retention jobs run", config.interval);
    return spec;
}

}  // namespace etp::retention
