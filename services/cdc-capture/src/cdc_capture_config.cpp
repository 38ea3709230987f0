#include "cdc_capture_config.hpp"

#include "etp/domain/cdc_tables.hpp"
#include "etp/domain/error.hpp"

namespace etp::cdc_capture {

runtime::ConfigSpec make_config_spec(CdcCaptureConfig& config) {
    runtime::ConfigSpec spec(
        "cdc-capture",
        "Streams row changes of the source database (logical replication, pgoutput) to Kafka "
        "(etp.cdc.changes, or a topic per table) as Debezium-compatible change events keyed by "
        "primary key, and fires every active cdc trigger whose table, operations and filter "
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
        .text("CDC_SERVER_NAME", "etp",
              "the logical name of the source in every change event (source.name, Debezium's "
              "topic.prefix), and the default CDC_TOPIC_PREFIX; letters, digits, '.', '_', '-'",
              config.server_name)
        .choice("CDC_TOPIC_MODE", "single",
                "single: every change on etp.cdc.changes (under KAFKA_TOPIC_PREFIX); table: each "
                "table's changes on <CDC_TOPIC_PREFIX>.<schema>.<table>, as Debezium names them "
                "(characters Kafka does not allow become '_'), created when missing with the "
                "partitions and replication of etp.cdc.changes",
                {"single", "table"}, config.topic_mode)
        .text("CDC_TOPIC_PREFIX", "",
              "the first part of per-table topic names (CDC_TOPIC_MODE=table); empty: "
              "CDC_SERVER_NAME",
              config.topic_prefix)
        .choice("CDC_VALUE_ENCODING", "friendly",
                "friendly: values readable without a schema (timestamps and dates as ISO 8601 "
                "strings, json/jsonb embedded, bytea as PostgreSQL prints it, unchanged TOASTed "
                "columns left out and listed in unchanged_toast); debezium: Debezium's encodings "
                "(timestamp as epoch microseconds, date as epoch days, time as microseconds of "
                "the day, json/jsonb as a JSON string, bytea as base64, numeric as a string as "
                "with decimal.handling.mode=string, unchanged TOASTed values as "
                "__debezium_unavailable_value). cdc trigger filters and firing payloads always "
                "see friendly values",
                {"friendly", "debezium"}, config.value_encoding)
        .choice("CDC_EMIT_TRUNCATE", "false",
                "true: a TRUNCATE becomes one change (op t, null key) per table; false skips "
                "truncates, as Debezium does by default",
                {"true", "false"}, config.emit_truncate)
        .choice("CDC_TOMBSTONES", "false",
                "true: each delete is followed by a tombstone (the same key, a null value) so a "
                "compacted topic can drop the row, as Debezium's tombstones.on.delete",
                {"true", "false"}, config.tombstones)
        .check([&config] {
            std::vector<std::string> problems;
            auto topic_part = [&problems](const std::string& name, const std::string& value) {
                const bool ok = !value.empty() && value.size() <= 200 &&
                                value.find_first_not_of(
                                    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                    "0123456789._-") == std::string::npos;
                if (!ok)
                    problems.push_back(name +
                                       " must be 1 to 200 letters, digits, '.', '_' or '-', "
                                       "got \"" +
                                       value + "\"");
            };
            topic_part("CDC_SERVER_NAME", config.server_name);
            if (!config.topic_prefix.empty()) topic_part("CDC_TOPIC_PREFIX", config.topic_prefix);
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
