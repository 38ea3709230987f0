#include "cdc_capture_app.hpp"

#include "capture_loop.hpp"
#include "cdc_refresh.hpp"
#include "etp/bus/topics.hpp"
#include "etp/service/service_host.hpp"
#include "snapshot.hpp"

namespace etp::cdc_capture {

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
