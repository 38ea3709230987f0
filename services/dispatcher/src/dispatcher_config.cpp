#include "dispatcher_config.hpp"

#include "etp/net/client.hpp"
#include "etp/service/secret_keys.hpp"

namespace etp::dispatcher {

runtime::ConfigSpec make_config_spec(DispatcherConfig& config) {
    runtime::ConfigSpec spec(
        "dispatcher",
        "Consumes firings from etp.trigger.fired, writes them to the event log exactly once, "
        "publishes them on etp.events and delivers signed webhooks with retries kept in "
        "PostgreSQL.");
    runtime::add_common(spec, config.common, 9104);
    service::add_secret_keys(spec, config.secret_box);
    spec.text("DISPATCHER_GROUP_ID", "etp-dispatcher", "Kafka consumer group of the dispatchers",
              config.group_id)
        .integer("DISPATCHER_BATCH_SIZE", 500, "firings written per database statement",
                 config.batch_size, 1, 10000)
        .duration("DISPATCHER_POLL_TIMEOUT", "200ms",
                  "longest wait for the first message of a batch", config.poll_timeout)
        .duration("DISPATCHER_FETCH_WAIT", "20ms",
                  "longest time a broker holds a fetch with no new data (fetch.wait.max.ms); "
                  "a broker that does not answer early (the development broker) adds it to "
                  "every firing's latency",
                  config.fetch_wait)
        .integer("DELIVERY_MAX_IN_FLIGHT", 10000,
                 "webhook requests in flight at once, all targets (each holds a socket, not a "
                 "thread)",
                 config.delivery_max_in_flight, 1, 1000000)
        .integer("DELIVERY_PER_TARGET", 8,
                 "webhook requests in flight at once to one target (scheme://host:port); one "
                 "while the target keeps failing",
                 config.delivery_per_target, 1, 256)
        .integer("DELIVERY_IO_THREADS", 0,
                 "threads that run webhook connections (sockets, TLS, timers); 0 = one per core",
                 config.delivery_io_threads, 0, 256)
        .text("DELIVERY_CA_FILE", "",
              "PEM file of CA certificates that https webhook targets may chain to besides the "
              "system's (a private CA); checked at startup",
              config.delivery_ca_file)
        .text("DELIVERY_WORKERS", "",
              "no longer used (webhook requests hold no thread; see DELIVERY_MAX_IN_FLIGHT); "
              "accepted and ignored, with a warning",
              config.legacy_delivery_workers)
        .duration("DELIVERY_LEASE", "30s",
                  "how long a delivery held by a dispatcher stays hidden from the others; a "
                  "dead dispatcher's deliveries are resumed after it",
                  config.delivery_lease)
        .duration("DELIVERY_POLL_INTERVAL", "500ms",
                  "how often due retries and redeliveries are looked up",
                  config.delivery_poll_interval)
        .integer("DELIVERY_MAX_IN_MEMORY", 20000,
                 "deliveries held in memory at most; more wait in PostgreSQL",
                 config.delivery_max_in_memory, 100, 1000000)
        .integer("ETP_ALLOW_PRIVATE_TARGETS", 0,
                 "1 = deliver to loopback and private addresses (development and tests only)",
                 config.allow_private_targets, 0, 1)
        .check([&config]() -> std::vector<std::string> {
            if (config.delivery_ca_file.empty()) return {};
            if (auto problem = net::ca_file_problem(config.delivery_ca_file))
                return {"DELIVERY_CA_FILE: " + *problem};
            return {};
        });
    return spec;
}

}  // namespace etp::dispatcher
