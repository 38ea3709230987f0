#pragma once
// A column value in PostgreSQL's text output form → typed JSON, by type OID. Pure; thread-safe.
//
// Assumes the session that produced the text ran with DateStyle=ISO, TimeZone=UTC,
// IntervalStyle=iso_8601 and extra_float_digits=3 (ReplicationStream sets these).
//
//   int2, int4, int8, oid, xid          number
//   float4, float8                      number; NaN and ±Infinity as the strings PostgreSQL
//                                       prints ("NaN", "Infinity", "-Infinity")
//   numeric, money                      string, as printed (no precision lost)
//   bool                                true / false
//   timestamptz                         RFC 3339 in UTC with 'Z' ("2026-11-23T01:02:03.5Z")
//   timestamp                           ISO 8601 without zone ("2026-11-23T01:02:03.5")
//   date, time, timetz, interval        string as printed (ISO forms under the settings above)
//   json, jsonb                         the embedded JSON value (a string if it fails to parse)
//   uuid, text, varchar, bpchar, name,
//   char, bytea ("\x…"), enums, other   string as printed
//   arrays of the above (one or more    JSON arrays (nested for multi-dimensional), elements
//   dimensions)                         converted by the element type, NULL → null
//   ±infinity timestamps/dates          the string "infinity" / "-infinity"
// Never throws on odd text: whatever cannot be converted stays a string.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace etp::pg {

nlohmann::json value_to_json(std::uint32_t type_oid, std::string_view text);

// Appends the JSON text of value_to_json(type_oid, text) to `out` (the same value; numbers may
// be spelled as PostgreSQL printed them), writing common types straight through instead of
// building a json value: change capture serialises every column of every change. Strings that
// are not valid UTF-8 get U+FFFD for the bad bytes rather than an exception.
void append_value_json(std::string& out, std::uint32_t type_oid, std::string_view text);
// Appends the value as Debezium's PostgreSQL connector encodes it in schemaless JSON with
// decimal.handling.mode=string, time.precision.mode=adaptive, interval.handling.mode=string and
// binary.handling.mode=base64:
//   timestamp      epoch microseconds (io.debezium.time.MicroTimestamp); epoch milliseconds
//                  (io.debezium.time.Timestamp) for timestamp(0) to timestamp(3)
//   date           epoch days (io.debezium.time.Date)
//   time           microseconds of the day (io.debezium.time.MicroTime); milliseconds
//                  (io.debezium.time.Time) for time(0) to time(3)
//   json, jsonb    the JSON text as a string (io.debezium.data.Json)
//   bytea          base64 of the bytes
//   everything else as append_value_json (timestamptz: ISO 8601 UTC, io.debezium.time.
//   ZonedTimestamp; numeric: string; interval: ISO 8601 string; uuid: string)
// `type_modifier` is the column's atttypmod (-1: none). Values these forms cannot hold
// (infinity, BC dates, malformed text) fall back to append_value_json's.
void append_value_debezium_json(std::string& out, std::uint32_t type_oid,
                                std::int32_t type_modifier, std::string_view text);
// Appends `s` as a JSON string (quoted and escaped; invalid UTF-8 replaced as above).
void append_json_string(std::string& out, std::string_view s);

// The element type of a built-in array type (1007 int4[] → 23), nullopt for non-arrays and for
// array types the table does not know (their values stay strings).
std::optional<std::uint32_t> array_element_type(std::uint32_t array_type_oid);

}  // namespace etp::pg
