#include "dispatcher_app.hpp"

#include "etp/bus/consumer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/pool.hpp"
#include "etp/runtime/admin_server.hpp"
#include "etp/runtime/log.hpp"
#include "event_log_writer.hpp"

namespace etp::dispatcher {

int run_dispatcher(const DispatcherConfig& config, runtime::ShutdownSignal& shutdown) {
    log::init("dispatcher", config.common.log_level);
    bus::Topics topics(config.common.topic_prefix);
    pg::Pool pool(config.common.database_url, 4);
    if (auto problem = pool.check()) log::warn("postgres not reachable yet", {{"error", *problem}});

    bus::ConsumerConfig consumer_config;
    consumer_config.brokers = config.common.kafka_brokers;
    consumer_config.group_id = config.group_id;
    consumer_config.client_id = "dispatcher";
    consumer_config.topics = {topics.trigger_fired()};
    bus::Consumer consumer(consumer_config);

    EventLogWriter writer(pool, consumer, static_cast<std::size_t>(config.batch_size),
                          config.poll_timeout);
    runtime::AdminServer admin("0.0.0.0", config.common.admin_port,
                               [&pool, &consumer, &writer]() -> std::optional<std::string> {
                                   if (auto p = pool.check()) return "postgres: " + *p;
                                   if (auto k = consumer.check(std::chrono::milliseconds(2000)))
                                       return "kafka: " + *k;
                                   if (!writer.healthy()) return "event log writes are failing";
                                   return std::nullopt;
                               });
    admin.start();
    writer.start();
    admin.set_ready(true);
    log::info("dispatcher started", {{"admin_port", admin.port()}});

    shutdown.wait();
    admin.set_ready(false);
    writer.stop();  // finishes the batch in hand and commits it
    consumer.close();
    admin.stop();
    log::info("dispatcher stopped");
    return 0;
}

}  // namespace etp::dispatcher
