#pragma once
// Keeps the source's publication listing exactly the captured tables: those of active cdc
// triggers plus CDC_TABLES. Tables that do not exist, are not ordinary tables, or have no
// replica identity PostgreSQL can use (no primary key and not REPLICA IDENTITY FULL: publishing
// them would make UPDATE and DELETE fail on the source) are left out and reported.

#include <set>
#include <string>
#include <vector>

#include "cdc_triggers.hpp"
#include "etp/pg/connection.hpp"

namespace etp::cdc_capture {

// The tables the triggers name plus `extra`, sorted, without repeats.
std::set<std::string> wanted_tables(const CdcTriggerSnapshot& triggers,
                                    const std::vector<std::string>& extra);

struct PublicationSync {
    std::set<std::string> published;  // after the sync
    std::vector<std::string> added;
    std::vector<std::string> dropped;
    std::vector<std::string> refused;  // "schema.table: reason"
};

// Creates the publication when missing and adds/drops tables so it lists the usable wanted
// ones. Throws pg::DatabaseError on database failures.
PublicationSync sync_publication(pg::Connection& source, const std::string& publication,
                                 const std::set<std::string>& wanted);

// "a.b" → "\"a\".\"b\"" (each part quoted as an SQL identifier).
std::string quote_table(const std::string& table);

}  // namespace etp::cdc_capture
