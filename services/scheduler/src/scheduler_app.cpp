#include "scheduler_app.hpp"

#include "etp/bus/producer.hpp"
#include "etp/pg/pool.hpp"
#include "etp/runtime/admin_server.hpp"
#include "etp/runtime/log.hpp"
#include "etp/runtime/readiness.hpp"

namespace etp::scheduler {

int run_scheduler(const SchedulerConfig& config, runtime::ShutdownSignal& shutdown) {
    log::init("scheduler", config.common.log_level);
    pg::Pool pool(config.common.database_url, 2);
    bus::ProducerConfig producer_config;
    producer_config.brokers = config.common.kafka_brokers;
    producer_config.client_id = "scheduler";
    bus::Producer producer(producer_config);

    runtime::AdminServer admin(
        "0.0.0.0", config.common.admin_port,
        runtime::all_of({
            {"postgres", [&pool] { return pool.check(); }},
            {"kafka", [&producer] { return producer.check(std::chrono::milliseconds(2000)); }},
        }));
    admin.start();
    admin.set_ready(true);
    log::info("scheduler started", {{"admin_port", admin.port()}});

    shutdown.wait();
    admin.set_ready(false);
    producer.flush(config.common.shutdown_timeout / 2);
    admin.stop();
    log::info("scheduler stopped");
    return 0;
}

}  // namespace etp::scheduler
