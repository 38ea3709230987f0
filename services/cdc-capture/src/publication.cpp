#include "publication.hpp"

#include "etp/domain/cdc_tables.hpp"
#include "etp/domain/error.hpp"
#include "etp/pg/error.hpp"
#include "etp/pg/source_table.hpp"

namespace etp::cdc_capture {
namespace {

std::string join(const std::vector<std::string>& tables) {
    std::string sql;
    for (const auto& t : tables) sql += (sql.empty() ? "" : ", ") + quote_table(t);
    return sql;
}

}  // namespace

std::string quote_ident(std::string_view name) {
    std::string quoted = "\"";
    for (char c : name) {
        if (c == '"') quoted += '"';
        quoted += c;
    }
    return quoted + "\"";
}

std::string quote_table(const std::string& table) {
    const auto dot = table.find('.');
    if (dot == std::string::npos) return quote_ident(table);
    return quote_ident(std::string_view(table).substr(0, dot)) + "." +
           quote_ident(std::string_view(table).substr(dot + 1));
}

WantedTables wanted_tables(const CdcTriggerSnapshot& triggers,
                           const std::vector<std::string>& ceiling) {
    WantedTables wanted;
    for (const auto& table : ceiling)
        if (!is_system_schema(schema_of(table))) wanted.tables.insert(table);
    for (const auto& [table, list] : triggers.by_table) {
        if (list.empty()) continue;
        if (auto reason = cdc_table_refusal(table, ceiling); !reason.empty())
            wanted.refused[table] = reason;
        else
            wanted.tables.insert(table);
    }
    return wanted;
}

PublicationSync sync_publication(pg::Connection& source, const std::string& publication,
                                 const std::set<std::string>& wanted) {
    PublicationSync sync;
    auto exists = source.exec("SELECT 1 FROM pg_publication WHERE pubname = $1", {publication});
    if (exists.rows() == 0) {
        try {
            source.exec("CREATE PUBLICATION " + quote_ident(publication));
        } catch (const Error& e) {
            if (e.kind() != ErrorKind::kConflict) throw;  // created by another instance
        }
    }
    std::set<std::string> current;
    auto rows = source.exec(
        "SELECT schemaname || '.' || tablename AS t FROM pg_publication_tables WHERE pubname = $1",
        {publication});
    for (int i = 0; i < rows.rows(); ++i) current.insert(std::string(rows.text(i, "t")));

    std::set<std::string> usable;
    for (const auto& table : wanted) {
        if (current.count(table)) {
            usable.insert(table);
            continue;
        }
        if (is_system_schema(schema_of(table))) {
            sync.refused[table] =
                "it is in a system schema; PostgreSQL's own tables are never captured";
            continue;
        }
        auto reason = pg::describe_source_table(source, table).capture_problem();
        if (!reason.empty()) {
            sync.refused[table] = reason;
            continue;
        }
        // One statement per table: a table the server refuses keeps no other out.
        try {
            source.exec("ALTER PUBLICATION " + quote_ident(publication) + " ADD TABLE " +
                        quote_table(table));
        } catch (const pg::DatabaseError& e) {
            // A lost connection (no SQLSTATE) or a transient failure: the whole sync is retried.
            if (e.sqlstate().empty() || e.retryable()) throw;
            // 42710: added by another instance meanwhile.
            if (e.sqlstate() != "42710") {
                sync.refused[table] =
                    std::string("adding it to the publication failed: ") + e.what();
                continue;
            }
        }
        usable.insert(table);
        sync.added.push_back(table);
    }
    for (const auto& table : current)
        if (!usable.count(table)) sync.dropped.push_back(table);

    if (!sync.dropped.empty())
        source.exec("ALTER PUBLICATION " + quote_ident(publication) + " DROP TABLE " +
                    join(sync.dropped));
    sync.published = std::move(usable);
    return sync;
}

}  // namespace etp::cdc_capture
