#include "dispatcher_app.hpp"

#include "etp/bus/topics.hpp"
#include "etp/service/service_host.hpp"
#include "event_log_writer.hpp"

namespace etp::dispatcher {

int run_dispatcher(const DispatcherConfig& config, runtime::ShutdownSignal& shutdown) {
    service::ServiceHost host("dispatcher", config.common, 4);
    bus::ConsumerConfig consumer_config;
    consumer_config.brokers = config.common.kafka_brokers;
    consumer_config.group_id = config.group_id;
    consumer_config.client_id = "dispatcher";
    consumer_config.topics = {bus::Topics(config.common.topic_prefix).trigger_fired()};
    EventLogWriter writer(host.pool(), consumer_config, static_cast<std::size_t>(config.batch_size),
                          config.poll_timeout);
    host.add_check({"event log", [&writer] { return writer.check(); }});
    host.add(writer);
    return host.run(shutdown);
}

}  // namespace etp::dispatcher
