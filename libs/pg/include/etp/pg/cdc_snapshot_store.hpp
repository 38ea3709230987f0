#pragma once
// Table cdc_snapshots: which source tables cdc-capture has taken an initial snapshot of, per
// publication, and where each snapshot stands (see migrations/0014_cdc_snapshots.sql). Written
// and read by the streaming cdc-capture. Stateless; callers pass the connection.

#include <cstdint>
#include <string>
#include <vector>

#include "etp/domain/time.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {

struct CdcSnapshotRecord {
    std::string table;  // "schema.table"
    std::int64_t id = 0;
    std::string state;         // running, done, never, existing, gone, tracking
    std::string xid_snapshot;  // "xmin:xmax:xip,…" when done
    std::string lsn;           // "16/B374D848" when done
    std::int64_t rows = 0;
};

class CdcSnapshotStore {
 public:
    // Every record of `publication`. Throws DatabaseError.
    static std::vector<CdcSnapshotRecord> load(Connection& conn, const std::string& publication);
    // Records each of `tables` not recorded yet, or whose snapshot was left running, with
    // `state` (never, existing, gone: not read; tracking for the publication's marker).
    static void mark(Connection& conn, const std::string& publication,
                     const std::vector<std::string>& tables, const std::string& state);
    struct Started {
        std::int64_t id = 0;
        Timestamp started_at;
    };
    // `table`'s snapshot starts (again): state running. Its id and start time, the same when
    // an interrupted (still running) snapshot is repeated.
    static Started start(Connection& conn, const std::string& publication,
                         const std::string& table);
    // `table`'s snapshot is complete: state done with its position.
    static void finish(Connection& conn, const std::string& publication, const std::string& table,
                       const std::string& xid_snapshot, const std::string& lsn, std::int64_t rows);
};

}  // namespace etp::pg
