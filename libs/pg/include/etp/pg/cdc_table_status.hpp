#pragma once
// Table cdc_table_status: the source tables a cdc-capture leaves out of its publication, and
// why, per publication. Written by the streaming cdc-capture, read by the gateway (the warnings
// of cdc triggers). Stateless; callers pass the connection.

#include <map>
#include <string>
#include <vector>

#include "etp/pg/connection.hpp"

namespace etp::pg {

class CdcTableStatusStore {
 public:
    // Makes `publication`'s rows exactly `refused` (table → reason), checked now. One
    // transaction. Throws DatabaseError.
    static void replace(Connection& conn, const std::string& publication,
                        const std::map<std::string, std::string>& refused);
    // The reasons recorded for each of `tables` that has any (one per publication refusing it,
    // by publication name). Throws DatabaseError.
    static std::map<std::string, std::vector<std::string>> reasons(
        Connection& conn, const std::vector<std::string>& tables);
};

}  // namespace etp::pg
