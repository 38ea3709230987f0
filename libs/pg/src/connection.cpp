#include "etp/pg/connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <string>

#include "etp/pg/error.hpp"
#include "etp/runtime/check.hpp"
#include "etp/runtime/log.hpp"
#include "libpq_support.hpp"

namespace etp::pg {
namespace {

using detail::route_notice;
using detail::ServerError;
using detail::trimmed;

// Turns a failed command into DatabaseError. res may be null (libpq could not even build a
// result: out of memory, or the connection is gone).
[[noreturn]] void throw_failure(PGconn* conn, const PGresult* res) {
    ServerError e = detail::describe_failure(res, /*with_hint=*/true);
    if (e.message.empty()) e.message = trimmed(PQerrorMessage(conn));
    if (PQstatus(conn) != CONNECTION_OK) {
        // Whatever the server said last, the session is gone: a retry on a new connection may
        // succeed, so report it as unavailable (empty SQLSTATE) rather than by its code.
        throw DatabaseError("", "database connection lost: " + e.message);
    }
    throw DatabaseError(std::move(e.sqlstate), e.message);
}

Result check(PGconn* conn, PGresult* raw) {
    Result result(raw);  // owns raw from here on, also when we throw below
    if (!raw) throw_failure(conn, nullptr);
    switch (PQresultStatus(raw)) {
        case PGRES_COMMAND_OK:
        case PGRES_TUPLES_OK:
        case PGRES_EMPTY_QUERY:
            return result;
        case PGRES_FATAL_ERROR:
        case PGRES_BAD_RESPONSE:
        case PGRES_NONFATAL_ERROR:
            throw_failure(conn, raw);
        default:
            // COPY and replication streams need libpq directly (native()); the connection is
            // now mid-protocol, which Pool notices (transaction status not idle) and drops.
            throw Error(ErrorKind::kInternal, std::string("unexpected result status ") +
                                                  PQresStatus(PQresultStatus(raw)));
    }
}

}  // namespace

void Connection::Finish::operator()(pg_conn* c) const noexcept { PQfinish(c); }

Connection::Connection(const std::string& url, std::chrono::seconds connect_timeout,
                       std::chrono::milliseconds statement_timeout) {
    const std::string timeout = std::to_string(std::max<long long>(1, connect_timeout.count()));
    std::string options = "-c DateStyle=ISO,YMD";
    if (statement_timeout.count() > 0)
        options += " -c statement_timeout=" + std::to_string(statement_timeout.count());
    // Later keywords win, so everything listed before dbname is a default the url can
    // override. expand_dbname=1 makes dbname accept a URL or a key=value string.
    // DateStyle ISO: timestamps read back as text (detail::timestamp_at) are in ISO form
    // whatever the server's default is.
    const char* keywords[] = {"connect_timeout", "fallback_application_name",
                              "client_encoding", "options",
                              "dbname",          nullptr};
    const char* values[] = {timeout.c_str(), "etp", "UTF8", options.c_str(), url.c_str(), nullptr};
    conn_.reset(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
    if (!conn_) throw DatabaseError("", "could not connect to database: out of memory");
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string reason = trimmed(PQerrorMessage(conn_.get()));
        conn_.reset();
        throw DatabaseError("", "could not connect to database: " + reason);
    }
    PQsetNoticeProcessor(conn_.get(), route_notice, nullptr);
}

Connection::~Connection() = default;
Connection::Connection(Connection&&) noexcept = default;
Connection& Connection::operator=(Connection&&) noexcept = default;

Result Connection::exec(std::string_view sql, const Params& params, ResultFormat format) {
    ETP_CHECK(conn_, "use of a moved-from pg::Connection");
    const std::string statement(sql);  // libpq wants a terminated string
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* raw = PQexecParams(conn_.get(), statement.c_str(), static_cast<int>(values.size()),
                                 /*paramTypes=*/nullptr, values.data(), /*paramLengths=*/nullptr,
                                 /*paramFormats=*/nullptr, static_cast<int>(format));
    return check(conn_.get(), raw);
}

Result Connection::exec_prepared(std::string_view sql, const Params& params, ResultFormat format) {
    ETP_CHECK(conn_, "use of a moved-from pg::Connection");
    std::string statement(sql);
    auto it = prepared_.find(statement);
    if (it == prepared_.end()) {
        if (prepared_.size() >= kMaxPrepared) {
            // Statements whose text carries an hour (event listings) come and go; the least
            // recently used one makes room.
            auto oldest = prepared_.begin();
            for (auto p = prepared_.begin(); p != prepared_.end(); ++p)
                if (p->second.last_used < oldest->second.last_used) oldest = p;
            check(conn_.get(), PQexec(conn_.get(), ("DEALLOCATE " + oldest->second.name).c_str()));
            prepared_.erase(oldest);
        }
        std::string name = "etp_" + std::to_string(++statements_named_);
        check(conn_.get(), PQprepare(conn_.get(), name.c_str(), statement.c_str(),
                                     static_cast<int>(params.size()), /*paramTypes=*/nullptr));
        it = prepared_.emplace(std::move(statement), Prepared{std::move(name), 0}).first;
    }
    it->second.last_used = ++statements_used_;
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const Param& p : params) values.push_back(p ? p->c_str() : nullptr);
    PGresult* raw =
        PQexecPrepared(conn_.get(), it->second.name.c_str(), static_cast<int>(values.size()),
                       values.data(), /*paramLengths=*/nullptr,
                       /*paramFormats=*/nullptr, static_cast<int>(format));
    return check(conn_.get(), raw);
}

void Connection::exec_script(std::string_view sql) {
    ETP_CHECK(conn_, "use of a moved-from pg::Connection");
    const std::string script(sql);
    check(conn_.get(), PQexec(conn_.get(), script.c_str()));
}

bool Connection::is_open() const noexcept {
    return conn_ && PQstatus(conn_.get()) == CONNECTION_OK;
}

}  // namespace etp::pg
