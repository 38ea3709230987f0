#include "dispatcher_config.hpp"

namespace etp::dispatcher {

runtime::ConfigSpec make_config_spec(DispatcherConfig& config) {
    runtime::ConfigSpec spec("dispatcher",
                             "Consumes firings from etp.trigger.fired and writes them to the event "
                             "log exactly once (offsets are committed after the database commit).");
    runtime::add_common(spec, config.common, 9104);
    spec.text("DISPATCHER_GROUP_ID", "etp-dispatcher", "Kafka consumer group of the dispatchers",
              config.group_id)
        .integer("DISPATCHER_BATCH_SIZE", 500, "firings written per database statement",
                 config.batch_size, 1, 10000)
        .duration("DISPATCHER_POLL_TIMEOUT", "200ms",
                  "longest wait for the first message of a batch", config.poll_timeout);
    return spec;
}

}  // namespace etp::dispatcher
