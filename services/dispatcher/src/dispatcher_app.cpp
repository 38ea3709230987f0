#include "dispatcher_app.hpp"

#include <algorithm>
#include <thread>

#include "delivery_engine.hpp"
#include "etp/bus/topics.hpp"
#include "etp/runtime/log.hpp"
#include "etp/service/secret_keys.hpp"
#include "etp/service/service_host.hpp"
#include "event_log_writer.hpp"

namespace etp::dispatcher {

int run_dispatcher(const DispatcherConfig& config, runtime::ShutdownSignal& shutdown) {
    // Connections: the writer, the engine's poller and recorder, settings lookups, readiness.
    service::ServiceHost host("dispatcher", config.common, 6);
    bus::Topics topics(config.common.topic_prefix);
    service::warn_if_no_secret_key(*config.secret_box);
    DeliveryOptions options;
    options.secret_box = config.secret_box;
    if (!config.legacy_delivery_workers.empty())
        log::warn(
            "DELIVERY_WORKERS is ignored: webhook requests hold no thread; "
            "DELIVERY_MAX_IN_FLIGHT bounds them",
            {{"value", config.legacy_delivery_workers}});
    options.max_in_flight = static_cast<std::size_t>(config.delivery_max_in_flight);
    options.io_threads = config.delivery_io_threads > 0
                             ? static_cast<std::size_t>(config.delivery_io_threads)
                             : std::max(1U, std::thread::hardware_concurrency());
    options.ca_file = config.delivery_ca_file;
    options.per_target = static_cast<std::size_t>(config.delivery_per_target);
    options.lease = config.delivery_lease;
    options.poll_interval = config.delivery_poll_interval;
    options.max_in_memory = static_cast<std::size_t>(config.delivery_max_in_memory);
    options.allow_private_targets = config.allow_private_targets == 1;
    DeliveryEngine deliveries(host.pool(), host.producer(), topics, options);

    bus::ConsumerConfig consumer_config;
    consumer_config.brokers = config.common.kafka_brokers;
    consumer_config.group_id = config.group_id;
    consumer_config.client_id = "dispatcher";
    consumer_config.topics = {topics.trigger_fired()};
    consumer_config.extra = config.common.kafka_properties;
    consumer_config.extra["fetch.wait.max.ms"] = std::to_string(config.fetch_wait.count());
    EventLogWriter writer(host.pool(), host.producer(), deliveries, consumer_config, topics,
                          static_cast<std::size_t>(config.batch_size), config.poll_timeout);
    host.add_check({"event log", [&writer] { return writer.check(); }});
    host.add_check({"webhook delivery", [&deliveries] { return deliveries.check(); }});
    // Started in this order and stopped in reverse: the writer stops handing over first.
    host.add(deliveries);
    host.add(writer);
    return host.run(shutdown);
}

}  // namespace etp::dispatcher
