#pragma once
// Which source tables change capture may watch. CDC_TABLES (set for cdc-capture and the gateway
// alike) is the ceiling when set: only those tables are ever published. Tables of PostgreSQL's
// own schemas (pg_catalog, information_schema, pg_toast, pg_temp_N, ...) never are.

#include <string>
#include <string_view>
#include <vector>

namespace etp {

// pg_catalog, information_schema and every other pg_* schema (PostgreSQL reserves the prefix:
// pg_toast, pg_temp_N, pg_toast_temp_N).
bool is_system_schema(std::string_view schema) noexcept;

// The schema part of "schema.table" ("" when there is no dot).
std::string_view schema_of(std::string_view table) noexcept;

// CDC_TABLES split on commas, trimmed, each "schema.table" (a bare name means public.name), in
// the order given, without repeats. Throws etp::Error(kInvalidInput) naming the first malformed
// entry or the first in a system schema.
std::vector<std::string> parse_cdc_tables(const std::string& list);

// Why `table` may not be captured under the ceiling `allowed` (CDC_TABLES; empty means no
// ceiling): "" when it may.
std::string cdc_table_refusal(const std::string& table, const std::vector<std::string>& allowed);

}  // namespace etp
