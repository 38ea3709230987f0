#pragma once
// Numbered SQL migrations (libs/pg/migrations/NNNN_name.sql), embedded in the binaries at build
// time. Each is applied once, in order, in its own transaction, under a session advisory lock
// so concurrent starters (several gateway replicas, a Kubernetes Job) never race; applied
// versions are recorded in schema_migrations.

#include <string>
#include <string_view>
#include <vector>

#include "etp/pg/connection.hpp"

namespace etp::pg {

struct Migration {
    int version;
    std::string name;      // file name, e.g. "0001_schema.sql"
    std::string_view sql;  // points into static storage
};

// The platform's migrations, sorted by version.
std::vector<Migration> builtin_migrations();

// Applies the missing ones; returns how many were applied. Throws DatabaseError.
int apply_migrations(Connection& conn, const std::vector<Migration>& migrations);

}  // namespace etp::pg
