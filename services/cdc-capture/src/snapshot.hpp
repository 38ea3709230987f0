#pragma once
// The initial snapshot of captured tables (CDC_SNAPSHOT, docs/change-capture-snapshot.md).
//
// When a table is first captured, cdc-capture reads its rows in a REPEATABLE READ transaction on
// the source and publishes each as an op "r" change, then goes on streaming. The reading
// transaction's pg_current_snapshot() decides which streamed changes the snapshot already
// contains: a change whose transaction is visible in it (committed before the snapshot was
// taken) is not published again for that table; every later one is. The capture loop reads a
// table before it publishes any streamed change of it, so a row's "r" comes before its later
// changes. A snapshot counts as done (table cdc_snapshots in the platform database) only once
// Kafka acknowledged all its rows; an interrupted one is taken again from the start.
//
// Only tables that enter the publication after snapshots are recorded are read: on an install
// that captured before, the tables already published are recorded as "existing" and not read.

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "change_envelope.hpp"
#include "etp/domain/ids.hpp"
#include "etp/pg/cdc_snapshot_store.hpp"
#include "etp/pg/connection.hpp"
#include "etp/pg/pool.hpp"

namespace etp::cdc_capture {

enum class SnapshotMode { kInitial, kNever };

// "initial" / "never"; nullopt otherwise.
std::optional<SnapshotMode> parse_snapshot_mode(std::string_view text);

// pg_current_snapshot() as text, "xmin:xmax:xip,xip,…" (64-bit transaction ids).
struct XidSnapshot {
    std::uint64_t xmin = 0;
    std::uint64_t xmax = 0;
    std::vector<std::uint64_t> xip;  // in progress when taken

    // nullopt when `text` is not of that form.
    static std::optional<XidSnapshot> parse(std::string_view text);
    std::string text() const;
    // Whether transaction `xid` had committed when the snapshot was taken (its changes are in
    // it). `xid` is the 32-bit id pgoutput sends; it is widened next to xmax, so it must be
    // within 2^31 transactions of the snapshot (commit_lsn in TableSnapshots bounds that).
    bool visible(std::uint32_t xid) const;
};

// The rows of one source table as of a new REPEATABLE READ snapshot, in batches. Uses the given
// connection (the capture loop's), in a transaction of its own; the text of the values is what
// streaming gets (the session settings pg_value.hpp expects are set for the transaction).
class TableReader {
 public:
    // Throws DatabaseError; etp::Error(kNotFound) when the table does not exist.
    TableReader(pg::Connection& source, const std::string& table);
    ~TableReader();  // rolls back when still open
    TableReader(const TableReader&) = delete;
    TableReader& operator=(const TableReader&) = delete;

    // Columns in pgoutput's order (generated columns left out) and the key, as remember_relation
    // builds them from a Relation message.
    const RelationInfo& relation() const noexcept { return relation_; }
    const XidSnapshot& xids() const noexcept { return xids_; }
    pg::Lsn lsn() const noexcept { return lsn_; }  // the WAL insert position when taken
    std::uint32_t xid() const noexcept { return xid_; }
    Timestamp taken_at() const noexcept { return taken_at_; }

    // Up to `n` more rows; empty once all were read.
    std::vector<pg::pgoutput::Tuple> fetch(std::size_t n);
    void close();  // ends the transaction

 private:
    pg::Connection& source_;
    bool open_ = false;
    RelationInfo relation_;
    XidSnapshot xids_;
    pg::Lsn lsn_ = 0;
    std::uint32_t xid_ = 0;
    Timestamp taken_at_;
};

// The snapshot records of one publication (platform database, table cdc_snapshots), as the
// capture loop's thread sees them. Not thread-safe: the capture loop's thread only.
class TableSnapshots {
 public:
    TableSnapshots(pg::Pool& platform, std::string publication, SnapshotMode mode);

    SnapshotMode mode() const noexcept { return mode_; }

    // At the start of a streaming session, before the publication is updated: reads the
    // records. The first time a publication is seen, its published tables are recorded as
    // "existing" when the slot already exists (capture ran before this version), so only tables
    // captured from then on are read. Throws on database failures.
    void load(pg::Connection& source, const std::string& slot);

    // The table was snapshotted, or needs no snapshot.
    bool recorded(const std::string& table) const { return tables_.count(table) > 0; }
    // Published tables that are not recorded (source query).
    std::vector<std::string> unrecorded(pg::Connection& source) const;
    // Whether a streamed change of `table` from transaction `xid`, committed at `commit_lsn`,
    // is already contained in the table's snapshot.
    bool contains(const std::string& table, std::uint32_t xid, pg::Lsn commit_lsn) const;

    // CDC_SNAPSHOT=never: `table` is recorded as not read.
    void mark_never(const std::string& table);
    // `table` no longer exists in the source: recorded as not read.
    void mark_gone(const std::string& table);
    // A snapshot of `table` starts; returns its id and start time (the same when an
    // interrupted one is repeated: the firings of its rows keep their event ids and times).
    pg::CdcSnapshotStore::Started start(const std::string& table);
    // All rows of the snapshot were acknowledged by Kafka.
    void finish(const std::string& table, const XidSnapshot& xids, pg::Lsn lsn, std::int64_t rows);

 private:
    struct Done {
        std::optional<XidSnapshot> xids;  // none: not read (never, existing)
        pg::Lsn lsn = 0;
    };

    pg::Pool& platform_;
    const std::string publication_;
    const SnapshotMode mode_;
    std::map<std::string, Done> tables_;
};

}  // namespace etp::cdc_capture
