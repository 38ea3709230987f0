#pragma once
// Keeps the source's publication listing exactly the captured tables: CDC_TABLES when set (the
// ceiling: a cdc trigger on another table is not captured), else the tables of active cdc
// triggers; never a table of a system schema. Tables that do not exist, are not ordinary tables,
// are not owned by the source role (PostgreSQL lets only an owner publish a table), or have no
// replica identity PostgreSQL can use (no primary key and not REPLICA IDENTITY FULL: publishing
// them would make UPDATE and DELETE fail on the source) are left out with their reason. Each
// table is added by an ALTER PUBLICATION of its own, so one the server refuses keeps no other
// out.

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cdc_triggers.hpp"
#include "etp/pg/connection.hpp"

namespace etp::cdc_capture {

struct WantedTables {
    std::set<std::string> tables;                // to publish
    std::map<std::string, std::string> refused;  // table of an active trigger → why not
};

// CDC_TABLES (`ceiling`) when not empty, else the tables the triggers name; a trigger's table
// outside the ceiling or in a system schema is refused.
WantedTables wanted_tables(const CdcTriggerSnapshot& triggers,
                           const std::vector<std::string>& ceiling);

struct PublicationSync {
    std::set<std::string> published;  // after the sync
    std::vector<std::string> added;
    std::vector<std::string> dropped;
    std::map<std::string, std::string> refused;  // table → why it is not published
};

// Creates the publication when missing and adds/drops tables so it lists the usable wanted
// ones. A table the server refuses to add is reported in `refused`, not thrown. Throws
// pg::DatabaseError on other database failures (a lost connection, the publication itself).
PublicationSync sync_publication(pg::Connection& source, const std::string& publication,
                                 const std::set<std::string>& wanted);

// name → "name" (an SQL identifier, inner quotes doubled).
std::string quote_ident(std::string_view name);

// "a.b" → "\"a\".\"b\"" (each part quoted as an SQL identifier).
std::string quote_table(const std::string& table);

}  // namespace etp::cdc_capture
