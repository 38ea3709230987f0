#include "cdc_capture_app.hpp"

#include "capture_loop.hpp"
#include "cdc_refresh.hpp"
#include "etp/bus/topic_admin.hpp"
#include "etp/bus/topic_catalog.hpp"
#include "etp/bus/topics.hpp"
#include "etp/runtime/log.hpp"
#include "etp/service/service_host.hpp"
#include "snapshot.hpp"

#ifndef ETP_VERSION
#define ETP_VERSION "unknown"
#endif

namespace etp::cdc_capture {
namespace {

// Creates a per-table topic when the cluster does not list it, with the partitions and
// replication etp.cdc.changes has there (the catalog's when it is missing) and its configs.
class TableTopics {
 public:
    TableTopics(const runtime::CommonConfig& common, std::string changes_topic)
        : admin_({common.kafka_brokers, "etp-cdc-capture-admin", common.kafka_properties}),
          changes_topic_(std::move(changes_topic)) {}

    void ensure(const std::string& topic) {
        constexpr std::chrono::seconds kTimeout{10};
        const auto cluster = admin_.metadata(kTimeout);
        if (cluster.topics.count(topic)) return;
        bus::NewTopic wanted{topic, 0, 0, {}};
        for (const auto& definition : bus::topic_catalog()) {
            if (definition.name != "cdc.changes") continue;
            wanted.partitions = definition.partitions;
            wanted.replication_factor = definition.replication_factor;
            wanted.configs = definition.configs;
        }
        if (auto it = cluster.topics.find(changes_topic_); it != cluster.topics.end()) {
            wanted.partitions = it->second.partitions;
            wanted.replication_factor = it->second.replication_factor;
        }
        wanted.replication_factor =
            std::max(1, std::min(wanted.replication_factor, cluster.broker_count()));
        if (auto it = wanted.configs.find("min.insync.replicas"); it != wanted.configs.end())
            it->second = std::to_string(std::min(std::stoi(it->second), wanted.replication_factor));
        try {
            for (const auto& failure : admin_.create_topics({wanted}, kTimeout))
                if (!failure.already_exists)
                    throw Error(ErrorKind::kUnavailable, "creating topic " + topic + " failed: " +
                                                             failure.error + " " + failure.reason);
        } catch (const bus::UnsupportedByBroker&) {
            return;  // the development broker: it creates topics on first use
        }
        log::info("created topic", {{"topic", topic},
                                    {"partitions", wanted.partitions},
                                    {"replication_factor", wanted.replication_factor}});
    }

 private:
    bus::TopicAdmin admin_;
    std::string changes_topic_;
};

}  // namespace

int run_cdc_capture(const CdcCaptureConfig& config, runtime::ShutdownSignal& shutdown) {
    const auto ceiling = capture_tables(config.tables);
    // Connections: trigger reloads, readiness. Changes are produced without waiting for each
    // acknowledgement, so the producer batches for a few milliseconds.
    service::ServiceHost host("cdc-capture", config.common, 2, 5);
    bus::Topics topics(config.common.topic_prefix);
    pg::Pool source(config.source_url, 1);
    CdcTriggerSet triggers;

    CaptureLoop* capture_ptr = nullptr;
    RefreshOptions refresh_options{config.source_url, config.publication, ceiling,
                                   config.trigger_refresh};
    CdcRefresh refresh(host.pool(), triggers, refresh_options,
                       [&capture_ptr] { return capture_ptr && capture_ptr->leader(); });

    CaptureOptions capture_options;
    capture_options.source_url = config.source_url;
    capture_options.slot = config.slot;
    capture_options.publication = config.publication;
    capture_options.status_interval = config.status_interval;
    capture_options.heartbeat_interval = config.heartbeat_interval;
    capture_options.max_in_flight = static_cast<std::size_t>(config.max_in_flight);
    capture_options.stop_ack_wait = config.common.shutdown_timeout / 2;
    capture_options.before_streaming = [&refresh](pg::Connection& conn) { refresh.sync(conn); };
    capture_options.envelope.version = ETP_VERSION;
    capture_options.envelope.server_name = config.server_name;
    capture_options.envelope.encoding =
        config.value_encoding == "debezium" ? ValueEncoding::kDebezium : ValueEncoding::kFriendly;
    capture_options.emit_truncate = config.emit_truncate == "true";
    capture_options.tombstones = config.tombstones == "true";
    capture_options.topic_per_table = config.topic_mode == "table";
    capture_options.topic_prefix =
        config.topic_prefix.empty() ? config.server_name : config.topic_prefix;
    std::unique_ptr<TableTopics> table_topics;
    if (capture_options.topic_per_table) {
        table_topics = std::make_unique<TableTopics>(config.common, topics.cdc_changes());
        capture_options.ensure_topic = [&table_topics](const std::string& topic) {
            table_topics->ensure(topic);
        };
    }
    TableSnapshots snapshots(host.pool(), config.publication,
                             parse_snapshot_mode(config.snapshot).value_or(SnapshotMode::kInitial));
    capture_options.snapshots = &snapshots;
    CaptureLoop capture(capture_options, triggers, host.producer(), topics);
    capture_ptr = &capture;

    host.add_check({"source postgres", [&source] { return source.check(); }});
    host.add_check({"cdc triggers", [&refresh] { return refresh.check(); }});
    host.add_check({"change capture", [&capture] { return capture.check(); }});
    // Started in this order, stopped in reverse: capture stops first.
    host.add(refresh);
    host.add(capture);
    return host.run(shutdown);
}

}  // namespace etp::cdc_capture
