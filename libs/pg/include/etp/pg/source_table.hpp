#pragma once
// What change capture needs to know about one table of a source database: whether it exists,
// whether the connection's role may publish it (PostgreSQL lets only a table's owner add it to a
// publication), and whether its replica identity lets it be published (PostgreSQL refuses UPDATE
// and DELETE on a published table without one) and gives whole old rows. Shared by cdc-capture
// (which tables to publish) and the gateway (warnings on cdc trigger definitions).

#include <string>

#include "etp/pg/connection.hpp"

namespace etp::pg {

struct SourceTable {
    bool found = false;           // a relation of that name exists
    bool ordinary = false;        // and is a table (plain or partitioned), not a view or the like
    char replica_identity = 'd';  // d default, n nothing, f full, i index
    bool has_key = false;         // a primary key or a replica identity index
    // The connection's role owns it, is a member of its owner role, or is a superuser.
    bool owned = false;

    // UPDATE and DELETE send the whole old row.
    bool full_old_rows() const noexcept { return replica_identity == 'f'; }
    // Why the table cannot be published safely; "" when it can.
    std::string capture_problem() const;
};

// `table` is "schema.table" as in a cdc trigger (no case folding). Throws DatabaseError.
SourceTable describe_source_table(Connection& conn, const std::string& table);

}  // namespace etp::pg
