#include "cdc_capture_config.hpp"

#include "etp/domain/cdc_tables.hpp"
#include "etp/domain/error.hpp"

namespace etp::cdc_capture {

runtime::ConfigSpec make_config_spec(CdcCaptureConfig& config) {
    runtime::ConfigSpec spec(
        "cdc-capture",
        "Streams row changes of the source database (logical replication, pgoutput) to Kafka "
        "(etp.cdc.changes) and fires every active cdc trigger whose table, operations and filter "
        "match. The publication's tables are kept equal to CDC_TABLES when set, else to the "
        "tables of active cdc triggers; a table the source role does not own, or one in a system "
        "schema, is left out and the reason shown on its triggers' warnings. A position is "
        "confirmed to PostgreSQL only after Kafka acknowledged "
        "every change up to it. One instance streams per slot; others wait on an advisory lock.");
    runtime::add_common(spec, config.common, 9103);
    spec.postgres_url("CDC_SOURCE_URL", "postgresql://etp@127.0.0.1:5432/monitors",
                      "the source database whose changes are captured (its role needs "
                      "REPLICATION, and CREATE on the database for the publication)",
                      config.source_url)
        .text("CDC_SLOT", "etp_cdc", "logical replication slot, created when missing", config.slot)
        .text("CDC_PUBLICATION", "etp_cdc", "publication, created when missing", config.publication)
        .text("CDC_TABLES", "",
              "comma list of schema.table: when set, the only tables ever captured (all of them "
              "to etp.cdc.changes, with or without a cdc trigger; a cdc trigger on another table "
              "never fires). Empty: the tables of active cdc triggers. Never a table of "
              "pg_catalog, information_schema or another pg_* schema. Give the gateway the same "
              "value",
              config.tables)
        .duration("CDC_TRIGGER_REFRESH", "1s",
                  "how often active cdc triggers are reloaded and the publication is updated",
                  config.trigger_refresh)
        .duration("CDC_HEARTBEAT_INTERVAL", "10s",
                  "how often a heartbeat message is written into the source's WAL, so a slot on "
                  "idle tables keeps advancing and does not pin WAL; also how often slot lag is "
                  "measured",
                  config.heartbeat_interval)
        .duration("CDC_STATUS_INTERVAL", "10s",
                  "the longest time between standby status updates to PostgreSQL",
                  config.status_interval)
        .integer("CDC_MAX_IN_FLIGHT", 50000,
                 "changes and firings produced but not yet acknowledged by Kafka before reading "
                 "pauses",
                 config.max_in_flight, 100, 10000000)
        .choice("CDC_SNAPSHOT", "initial",
                "initial: when a table is first captured, its existing rows are published as op "
                "r (source.snapshot \"true\", \"last\" on its last row) before its changes, "
                "none lost or repeated between the two; the stream waits meanwhile. Tables "
                "already captured before this setting existed are not read. never: only changes "
                "from the time a table is captured. See docs/change-capture-snapshot.md",
                {"initial", "never"}, config.snapshot)
        .check([&config] {
            std::vector<std::string> problems;
            try {
                parse_cdc_tables(config.tables);
            } catch (const Error& e) {
                problems.push_back(e.what());
            }
            return problems;
        });
    return spec;
}

std::vector<std::string> capture_tables(const std::string& list) { return parse_cdc_tables(list); }

}  // namespace etp::cdc_capture
