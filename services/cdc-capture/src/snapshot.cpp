#include "snapshot.hpp"

#include <algorithm>
#include <charconv>

#include "etp/domain/error.hpp"
#include "etp/pg/cdc_snapshot_store.hpp"
#include "etp/runtime/log.hpp"
#include "publication.hpp"

namespace etp::cdc_capture {
namespace {

// The cdc_snapshots row that marks a publication as tracked (no table is named "").
const std::string kTrackingMarker;

bool parse_u64(std::string_view text, std::uint64_t& out) {
    const auto* end = text.data() + text.size();
    auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end && !text.empty();
}

}  // namespace

std::optional<SnapshotMode> parse_snapshot_mode(std::string_view text) {
    if (text == "initial") return SnapshotMode::kInitial;
    if (text == "never") return SnapshotMode::kNever;
    return std::nullopt;
}

std::optional<XidSnapshot> XidSnapshot::parse(std::string_view text) {
    const auto first = text.find(':');
    const auto second = first == std::string_view::npos ? first : text.find(':', first + 1);
    if (second == std::string_view::npos) return std::nullopt;
    XidSnapshot s;
    if (!parse_u64(text.substr(0, first), s.xmin) ||
        !parse_u64(text.substr(first + 1, second - first - 1), s.xmax) || s.xmin > s.xmax)
        return std::nullopt;
    auto rest = text.substr(second + 1);
    while (!rest.empty()) {
        const auto comma = rest.find(',');
        std::uint64_t xid = 0;
        if (!parse_u64(rest.substr(0, comma), xid) || xid < s.xmin || xid >= s.xmax)
            return std::nullopt;
        s.xip.push_back(xid);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
        if (rest.empty()) return std::nullopt;
    }
    std::sort(s.xip.begin(), s.xip.end());
    return s;
}

std::string XidSnapshot::text() const {
    std::string out = std::to_string(xmin) + ":" + std::to_string(xmax) + ":";
    for (std::size_t i = 0; i < xip.size(); ++i) out += (i ? "," : "") + std::to_string(xip[i]);
    return out;
}

bool XidSnapshot::visible(std::uint32_t xid) const {
    // Widen the 32-bit id to the 64-bit one nearest to xmax.
    const auto diff = static_cast<std::int32_t>(xid - static_cast<std::uint32_t>(xmax));
    const auto full = static_cast<std::int64_t>(xmax) + diff;
    if (full < static_cast<std::int64_t>(xmin)) return true;    // ended before the snapshot
    if (full >= static_cast<std::int64_t>(xmax)) return false;  // started after it
    return !std::binary_search(xip.begin(), xip.end(), static_cast<std::uint64_t>(full));
}

TableReader::TableReader(pg::Connection& source, const std::string& table) : source_(source) {
    source_.exec("BEGIN ISOLATION LEVEL REPEATABLE READ");
    open_ = true;
    try {
        // The settings the replication connection streams with, so values print the same.
        source_.exec(
            "SELECT set_config('DateStyle', 'ISO', true), set_config('TimeZone', 'UTC', true), "
            "set_config('IntervalStyle', 'iso_8601', true), "
            "set_config('extra_float_digits', '3', true)");
        // The first statement took the transaction's snapshot; the WAL position read now is
        // past the commit of every transaction it sees.
        auto snap = source_.exec(
            "SELECT pg_current_snapshot()::text AS xids, pg_current_wal_insert_lsn()::text AS lsn, "
            "(txid_current() % 4294967296)::bigint AS xid");
        auto xids = XidSnapshot::parse(snap.text(0, "xids"));
        auto lsn = pg::parse_lsn(snap.text(0, "lsn"));
        if (!xids || !lsn)
            throw Error(ErrorKind::kInternal,
                        "unexpected snapshot position: " + std::string(snap.text(0, "xids")) +
                            " at " + std::string(snap.text(0, "lsn")));
        xids_ = std::move(*xids);
        lsn_ = *lsn;
        xid_ = static_cast<std::uint32_t>(snap.integer(0, "xid"));
        taken_at_ = now_utc();

        auto rel = source_.exec(
            "SELECT c.oid::bigint AS oid, n.nspname, c.relname, c.relreplident::text AS identity "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE c.oid = to_regclass($1)",
            {quote_table(table)});
        if (rel.rows() == 0)
            throw Error(ErrorKind::kNotFound, "table " + table + " does not exist in the source");
        relation_.table = table;
        relation_.relation.id = static_cast<std::uint32_t>(rel.integer(0, "oid"));
        relation_.relation.schema = std::string(rel.text(0, "nspname"));
        relation_.relation.name = std::string(rel.text(0, "relname"));
        const auto identity = rel.text(0, "identity");
        const char ident = identity.empty() ? 'd' : identity[0];
        relation_.relation.replica_identity = ident;

        // The columns pgoutput sends (no dropped or generated ones), flagged as its Relation
        // message flags the replica identity.
        auto cols = source_.exec(
            "SELECT a.attname, a.atttypid::bigint AS typid, a.atttypmod AS typmod, "
            "(SELECT k.ord FROM pg_index i "
            " CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord) "
            " WHERE i.indrelid = a.attrelid AND i.indisprimary AND k.attnum = a.attnum) AS pk, "
            "EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = a.attrelid AND i.indisreplident "
            " AND a.attnum = ANY (i.indkey::int2[])) AS ident_index "
            "FROM pg_attribute a WHERE a.attrelid = $1::oid AND a.attnum > 0 "
            "AND NOT a.attisdropped AND a.attgenerated = '' ORDER BY a.attnum",
            {std::to_string(relation_.relation.id)});
        std::vector<std::pair<std::int64_t, std::size_t>> pk;  // (key position, column)
        std::string select;
        for (int i = 0; i < cols.rows(); ++i) {
            pg::pgoutput::Column column;
            column.name = std::string(cols.text(i, "attname"));
            column.type_oid = static_cast<std::uint32_t>(cols.integer(i, "typid"));
            column.type_modifier = static_cast<std::int32_t>(cols.integer(i, "typmod"));
            const bool in_pk = !cols.is_null(i, "pk");
            if (in_pk) pk.emplace_back(cols.integer(i, "pk"), relation_.relation.columns.size());
            column.key = ident == 'f' || (ident == 'd' && in_pk) ||
                         (ident == 'i' && cols.boolean(i, "ident_index"));
            select += (select.empty() ? "" : ", ") + quote_ident(column.name);
            relation_.relation.columns.push_back(std::move(column));
        }
        // The Kafka key: the primary key in key order, else the replica identity (not FULL).
        std::sort(pk.begin(), pk.end());
        for (const auto& [_, index] : pk) relation_.key_columns.push_back(index);
        if (relation_.key_columns.empty() && ident != 'f')
            for (std::size_t c = 0; c < relation_.relation.columns.size(); ++c)
                if (relation_.relation.columns[c].key) relation_.key_columns.push_back(c);

        // ONLY: a child table or partition is published, and read, under its own name.
        source_.exec("DECLARE etp_snapshot NO SCROLL CURSOR FOR SELECT " + select + " FROM ONLY " +
                     quote_table(table));
    } catch (...) {
        close();
        throw;
    }
}

TableReader::~TableReader() {
    if (!open_) return;
    try {
        source_.exec("ROLLBACK");
    } catch (...) {
        // The connection is gone: so is the transaction.
    }
}

std::vector<pg::pgoutput::Tuple> TableReader::fetch(std::size_t n) {
    auto r = source_.exec("FETCH FORWARD " + std::to_string(n) + " FROM etp_snapshot");
    std::vector<pg::pgoutput::Tuple> rows(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i) {
        auto& row = rows[static_cast<std::size_t>(i)];
        row.resize(static_cast<std::size_t>(r.columns()));
        for (int c = 0; c < r.columns(); ++c) {
            if (r.is_null(i, c)) continue;
            row[static_cast<std::size_t>(c)].kind = pg::pgoutput::Value::Kind::kText;
            row[static_cast<std::size_t>(c)].text = std::string(r.text(i, c));
        }
    }
    return rows;
}

void TableReader::close() {
    if (!open_) return;
    open_ = false;
    try {
        source_.exec("ROLLBACK");  // read only: nothing to keep
    } catch (...) {
        // As in the destructor.
    }
}

TableSnapshots::TableSnapshots(pg::Pool& platform, std::string publication, SnapshotMode mode)
    : platform_(platform), publication_(std::move(publication)), mode_(mode) {}

void TableSnapshots::load(pg::Connection& source, const std::string& slot) {
    tables_.clear();
    auto conn = platform_.acquire();
    auto records = pg::CdcSnapshotStore::load(*conn, publication_);
    if (records.empty()) {
        // First run with snapshots recorded. A slot that exists streamed these tables already.
        auto slots = source.exec("SELECT 1 FROM pg_replication_slots WHERE slot_name = $1", {slot});
        if (slots.rows() > 0) {
            auto existing = unrecorded(source);
            pg::CdcSnapshotStore::mark(*conn, publication_, existing, "existing");
            if (!existing.empty())
                log::info("tables captured before snapshots were recorded are not snapshotted",
                          {{"publication", publication_}, {"tables", existing}});
        }
        pg::CdcSnapshotStore::mark(*conn, publication_, {kTrackingMarker}, "tracking");
        records = pg::CdcSnapshotStore::load(*conn, publication_);
    }
    for (const auto& r : records) {
        if (r.table == kTrackingMarker || r.state == "running") continue;
        Done done;
        if (r.state == "done") {
            done.xids = XidSnapshot::parse(r.xid_snapshot);
            done.lsn = pg::parse_lsn(r.lsn).value_or(0);
        }
        tables_[r.table] = std::move(done);
    }
}

std::vector<std::string> TableSnapshots::unrecorded(pg::Connection& source) const {
    auto rows = source.exec(
        "SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = $1 "
        "ORDER BY 1",
        {publication_});
    std::vector<std::string> out;
    for (int i = 0; i < rows.rows(); ++i) {
        std::string table(rows.text(i, "t"));
        if (!recorded(table)) out.push_back(std::move(table));
    }
    return out;
}

bool TableSnapshots::contains(const std::string& table, std::uint32_t xid,
                              pg::Lsn commit_lsn) const {
    auto it = tables_.find(table);
    if (it == tables_.end() || !it->second.xids) return false;
    // A transaction the snapshot sees committed before the position read after it was taken.
    return commit_lsn < it->second.lsn && it->second.xids->visible(xid);
}

void TableSnapshots::mark_never(const std::string& table) {
    auto conn = platform_.acquire();
    pg::CdcSnapshotStore::mark(*conn, publication_, {table}, "never");
    tables_[table] = Done{};
    log::info("table captured without a snapshot (CDC_SNAPSHOT=never)", {{"table", table}});
}

void TableSnapshots::mark_gone(const std::string& table) {
    auto conn = platform_.acquire();
    pg::CdcSnapshotStore::mark(*conn, publication_, {table}, "gone");
    tables_[table] = Done{};
    log::warn("table to snapshot no longer exists; not read", {{"table", table}});
}

pg::CdcSnapshotStore::Started TableSnapshots::start(const std::string& table) {
    auto conn = platform_.acquire();
    return pg::CdcSnapshotStore::start(*conn, publication_, table);
}

void TableSnapshots::finish(const std::string& table, const XidSnapshot& xids, pg::Lsn lsn,
                            std::int64_t rows) {
    auto conn = platform_.acquire();
    pg::CdcSnapshotStore::finish(*conn, publication_, table, xids.text(), pg::format_lsn(lsn),
                                 rows);
    tables_[table] = Done{xids, lsn};
}

}  // namespace etp::cdc_capture
