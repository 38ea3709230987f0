#include "etp/pg/cdc_snapshot_store.hpp"

#include <nlohmann/json.hpp>

#include "sql_time.hpp"

namespace etp::pg {

std::vector<CdcSnapshotRecord> CdcSnapshotStore::load(Connection& conn,
                                                      const std::string& publication) {
    auto r = conn.exec(
        "SELECT table_name, id, state, coalesce(xid_snapshot, '') AS xid_snapshot, "
        "coalesce(snapshot_lsn, '') AS snapshot_lsn, row_count FROM cdc_snapshots "
        "WHERE publication = $1 ORDER BY table_name",
        {publication});
    std::vector<CdcSnapshotRecord> out;
    out.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        out.push_back({std::string(r.text(i, "table_name")), r.integer(i, "id"),
                       std::string(r.text(i, "state")), std::string(r.text(i, "xid_snapshot")),
                       std::string(r.text(i, "snapshot_lsn")), r.integer(i, "row_count")});
    return out;
}

void CdcSnapshotStore::mark(Connection& conn, const std::string& publication,
                            const std::vector<std::string>& tables, const std::string& state) {
    if (tables.empty()) return;
    conn.exec(
        "INSERT INTO cdc_snapshots (publication, table_name, state, finished_at) "
        "SELECT $1, t, $3, now() FROM json_array_elements_text($2::json) AS t "
        "ON CONFLICT (publication, table_name) DO UPDATE SET state = excluded.state, "
        "finished_at = now() WHERE cdc_snapshots.state = 'running'",
        {publication, nlohmann::json(tables).dump(), state});
}

CdcSnapshotStore::Started CdcSnapshotStore::start(Connection& conn, const std::string& publication,
                                                  const std::string& table) {
    auto r = conn.exec(
        "INSERT INTO cdc_snapshots (publication, table_name, state) VALUES ($1, $2, 'running') "
        "ON CONFLICT (publication, table_name) DO UPDATE SET state = 'running', "
        "xid_snapshot = NULL, snapshot_lsn = NULL, row_count = 0, "
        "started_at = CASE WHEN cdc_snapshots.state = 'running' THEN cdc_snapshots.started_at "
        "ELSE now() END, finished_at = NULL RETURNING id, " +
            detail::micros_of("started_at", "started_us"),
        {publication, table});
    return {r.integer(0, "id"), detail::from_micros(r.integer(0, "started_us"))};
}

void CdcSnapshotStore::finish(Connection& conn, const std::string& publication,
                              const std::string& table, const std::string& xid_snapshot,
                              const std::string& lsn, std::int64_t rows) {
    conn.exec(
        "UPDATE cdc_snapshots SET state = 'done', xid_snapshot = $3, snapshot_lsn = $4, "
        "row_count = $5, finished_at = now() WHERE publication = $1 AND table_name = $2",
        {publication, table, xid_snapshot, lsn, std::to_string(rows)});
}

}  // namespace etp::pg
