#include "retention_app.hpp"

#include <thread>

#include "etp/bus/producer.hpp"
#include "etp/bus/topics.hpp"
#include "etp/pg/connection.hpp"
#include "etp/runtime/log.hpp"
#include "etp/service/service_host.hpp"
#include "leader_lock.hpp"
#include "pass_summary.hpp"
#include "retention_loop.hpp"

namespace etp::retention {

PassOptions pass_options(const RetentionConfig& config) {
    PassOptions o;
    o.active_for = config.active_for;
    o.retain_for = config.retain_for;
    o.partitions_ahead = std::chrono::hours(config.partitions_ahead);
    o.batch_size = config.batch_size;
    o.lock_timeout = config.lock_timeout;
    o.work_percent = config.work_percent;
    return o;
}

int run_retention(const RetentionConfig& config, runtime::ShutdownSignal& shutdown) {
    // Connections: the passes, readiness (the lock has a session of its own).
    service::ServiceHost host("retention", config.common, 2);
    RetentionLoop loop(host.pool(), host.producer(), bus::Topics(config.common.topic_prefix),
                       pass_options(config), config.interval);
    host.add_check({"retention", [&loop] { return loop.check(); }});
    host.add(loop);
    return host.run(shutdown);
}

int run_retention_once(const RetentionConfig& config) {
    LeaderLock lock(config.common.database_url);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!lock.try_acquire()) {
        if (std::chrono::steady_clock::now() >= deadline) {
            log::error("another retention instance holds the lock; no pass run");
            return 1;
        }
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    pg::Connection conn(config.common.database_url);
    PassReport report = run_pass(
        conn, pass_options(config), [] { return false; },
        [](std::chrono::microseconds d) {
            std::this_thread::sleep_for(d);
            return true;
        });
    log_report(report);
    bus::ProducerConfig producer_config;
    producer_config.brokers = config.common.kafka_brokers;
    producer_config.extra = config.common.kafka_properties;
    producer_config.client_id = "retention";
    bus::Producer producer(producer_config);
    publish_summaries(producer, bus::Topics(config.common.topic_prefix), report);
    if (!producer.flush(std::chrono::seconds(10)))
        log::warn("retention summaries not all published before exit");
    return report.completed ? 0 : 1;
}

}  // namespace etp::retention
