#include "etp/pg/replication_stream.hpp"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <climits>
#include <cstring>
#include <string>
#include <utility>

#include "etp/pg/error.hpp"
#include "etp/runtime/check.hpp"
#include "etp/runtime/log.hpp"
#include "libpq_support.hpp"

namespace etp::pg {
namespace {

using detail::describe_failure;
using detail::route_notice;
using detail::ServerError;
using detail::trimmed;

using Clock = std::chrono::steady_clock;

// After confirm() moved the position, a status update goes out this soon: progress reaches
// the server quickly, without one packet per confirmed message.
constexpr std::chrono::milliseconds kProgressDelay{100};

// SQLSTATEs the replication commands answer with.
constexpr std::string_view kUndefinedObject = "42704";  // replication slot does not exist
constexpr std::string_view kDuplicateObject = "42710";  // replication slot already exists
constexpr std::string_view kObjectInUse = "55006";      // replication slot is active for PID n

// Settings value_to_json relies on (see pg_value.hpp).
constexpr const char* kSessionOptions =
    "-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601 -c extra_float_digits=3";

struct ClearResult {
    void operator()(PGresult* r) const noexcept { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ClearResult>;

struct FreeCopyData {
    void operator()(char* p) const noexcept { PQfreemem(p); }
};

// Slot and publication names go into replication commands as text (a walsender accepts only
// the simple query protocol, so there are no parameters): allow only what PostgreSQL itself
// allows for slot names, which also makes quoting trivial.
void require_name(std::string_view what, const std::string& name) {
    const bool ok =
        !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
            return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
        });
    if (!ok) {
        throw DatabaseError(ErrorKind::kInvalidInput, "",
                            std::string(what) + " name \"" + name +
                                "\" must be 1 to 63 characters of a-z, 0-9 and _",
                            false);
    }
}

// What went wrong with a replication command: the result's own words, else its status, else
// the connection's last error.
ServerError describe(PGconn* conn, const PGresult* res) {
    ServerError e = describe_failure(res, /*with_hint=*/false);
    if (e.message.empty() && res)
        e.message = std::string("unexpected result status ") + PQresStatus(PQresultStatus(res));
    if (e.message.empty()) e.message = trimmed(PQerrorMessage(conn));
    return e;
}

// A failed replication command. A lost connection is kUnavailable whatever the server said
// last; otherwise the SQLSTATE decides.
[[noreturn]] void throw_command_failure(PGconn* conn, const PGresult* res,
                                        std::string_view command) {
    ServerError e = describe(conn, res);
    if (PQstatus(conn) != CONNECTION_OK) {
        throw DatabaseError(
            "", "replication connection lost during " + std::string(command) + ": " + e.message);
    }
    throw DatabaseError(std::move(e.sqlstate), std::string(command) + " failed: " + e.message);
}

ResultPtr run(PGconn* conn, const std::string& sql, ExecStatusType expected,
              std::string_view command) {
    ResultPtr res(PQexec(conn, sql.c_str()));
    if (!res || PQresultStatus(res.get()) != expected) {
        throw_command_failure(conn, res.get(), command);
    }
    return res;
}

void put_u64(char* out, std::uint64_t v) noexcept {
    for (int i = 7; i >= 0; --i) {
        out[7 - i] = static_cast<char>((v >> (8 * i)) & 0xFF);
    }
}

std::uint64_t get_u64(const char* in) noexcept {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
    return v;
}

// Standby status update: 'r', write, flush, apply, client time (µs since 2000-01-01), reply
// requested. Returns false when libpq could not send it (the connection is broken).
bool put_status(PGconn* conn, Lsn position, bool reply_requested) noexcept {
    std::array<char, 34> msg{};
    msg[0] = 'r';
    put_u64(&msg[1], position);
    put_u64(&msg[9], position);
    put_u64(&msg[17], position);
    put_u64(&msg[25], static_cast<std::uint64_t>(to_pg_epoch_micros(now_utc())));
    msg[33] = reply_requested ? 1 : 0;
    return PQputCopyData(conn, msg.data(), static_cast<int>(msg.size())) == 1 && PQflush(conn) == 0;
}

}  // namespace

void ReplicationStream::Finish::operator()(pg_conn* c) const noexcept { PQfinish(c); }

ReplicationStream::ReplicationStream(ReplicationOptions options) : options_(std::move(options)) {
    const std::string timeout =
        std::to_string(std::max<long long>(1, options_.connect_timeout.count()));
    // Later keywords win: everything before dbname is a default the URL may override; the
    // replication mode and the session settings come after it because decoding relies on them.
    const char* keywords[] = {"connect_timeout",
                              "fallback_application_name",
                              "client_encoding",
                              "dbname",
                              "replication",
                              "options",
                              nullptr};
    const char* values[] = {timeout.c_str(), "etp-cdc",       "UTF8", options_.url.c_str(),
                            "database",      kSessionOptions, nullptr};
    conn_.reset(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
    if (!conn_) throw DatabaseError("", "could not connect for replication: out of memory");
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string reason = trimmed(PQerrorMessage(conn_.get()));
        conn_.reset();
        throw DatabaseError("", "could not connect for replication: " + reason);
    }
    PQsetNoticeProcessor(conn_.get(), route_notice, nullptr);

    const ResultPtr res = run(conn_.get(), "IDENTIFY_SYSTEM", PGRES_TUPLES_OK, "IDENTIFY_SYSTEM");
    if (PQntuples(res.get()) != 1 || PQnfields(res.get()) < 4) {
        throw DatabaseError(ErrorKind::kInternal, "",
                            "IDENTIFY_SYSTEM returned " + std::to_string(PQntuples(res.get())) +
                                " rows of " + std::to_string(PQnfields(res.get())) + " columns",
                            false);
    }
    identity_.system_id = PQgetvalue(res.get(), 0, 0);
    const std::string_view timeline = PQgetvalue(res.get(), 0, 1);
    const std::string_view xlog_pos = PQgetvalue(res.get(), 0, 2);
    identity_.dbname = PQgetvalue(res.get(), 0, 3);
    const auto [ptr, ec] =
        std::from_chars(timeline.data(), timeline.data() + timeline.size(), identity_.timeline);
    const auto pos = parse_lsn(xlog_pos);
    if (ec != std::errc() || ptr != timeline.data() + timeline.size() || !pos) {
        throw DatabaseError(ErrorKind::kInternal, "",
                            "IDENTIFY_SYSTEM returned timeline \"" + std::string(timeline) +
                                "\" and xlogpos \"" + std::string(xlog_pos) + "\"",
                            false);
    }
    identity_.xlog_pos = *pos;
}

ReplicationStream::~ReplicationStream() {
    // Best effort: the server keeps the slot's previous position if this does not arrive, and
    // sends the unconfirmed changes again on the next start.
    if (streaming_ && conn_ && PQstatus(conn_.get()) == CONNECTION_OK) {
        put_status(conn_.get(), confirmed_, false);
    }
}

bool ReplicationStream::ensure_slot() {
    require_name("replication slot", options_.slot);
    if (!conn_) throw DatabaseError("", "replication connection is closed");
    ETP_CHECK(!streaming_, "ensure_slot() after start()");
    const ResultPtr found = run(
        conn_.get(),
        "SELECT 1 FROM pg_catalog.pg_replication_slots WHERE slot_name = '" + options_.slot + "'",
        PGRES_TUPLES_OK, "looking up the replication slot");
    if (PQntuples(found.get()) > 0) return false;

    const std::string create =
        "CREATE_REPLICATION_SLOT \"" + options_.slot + "\" LOGICAL pgoutput NOEXPORT_SNAPSHOT";
    const ResultPtr res(PQexec(conn_.get(), create.c_str()));
    if (res && PQresultStatus(res.get()) == PGRES_TUPLES_OK) return true;
    if (PQstatus(conn_.get()) == CONNECTION_OK && res) {
        const char* state = PQresultErrorField(res.get(), PG_DIAG_SQLSTATE);
        // Another process created it between our look-up and now: it exists, which is all
        // we wanted.
        if (state && state == kDuplicateObject) return false;
    }
    throw_command_failure(conn_.get(), res.get(), "CREATE_REPLICATION_SLOT");
}

void ReplicationStream::start(Lsn from) {
    require_name("replication slot", options_.slot);
    require_name("publication", options_.publication);
    if (!conn_) throw DatabaseError("", "replication connection is closed");
    ETP_CHECK(!streaming_, "start() called twice");

    std::string command = "START_REPLICATION SLOT \"" + options_.slot + "\" LOGICAL " +
                          format_lsn(from) + " (proto_version '1', publication_names '\"" +
                          options_.publication + "\"'";
    if (options_.messages) command += ", messages 'true'";
    command += ")";

    const ResultPtr res(PQexec(conn_.get(), command.c_str()));
    if (!res || PQresultStatus(res.get()) != PGRES_COPY_BOTH) {
        if (PQstatus(conn_.get()) == CONNECTION_OK && res) {
            ServerError e = describe(conn_.get(), res.get());
            if (e.sqlstate == kUndefinedObject) {
                throw DatabaseError(ErrorKind::kNotFound, std::move(e.sqlstate),
                                    "START_REPLICATION failed: " + e.message, false);
            }
            if (e.sqlstate == kObjectInUse) {
                // Retryable: the other streamer may be a predecessor that is going away.
                throw DatabaseError(ErrorKind::kConflict, std::move(e.sqlstate),
                                    "START_REPLICATION failed: " + e.message, true);
            }
        }
        throw_command_failure(conn_.get(), res.get(), "START_REPLICATION");
    }
    streaming_ = true;
    confirmed_ = std::max(confirmed_, from);
    last_status_ = Clock::now();
}

void ReplicationStream::confirm(Lsn lsn) noexcept { confirmed_ = std::max(confirmed_, lsn); }

void ReplicationStream::send_status(bool reply_requested) {
    if (!conn_) throw DatabaseError("", "replication connection is closed");
    ETP_CHECK(streaming_, "send_status() before start()");
    if (!put_status(conn_.get(), confirmed_, reply_requested)) {
        const std::string reason = trimmed(PQerrorMessage(conn_.get()));
        conn_.reset();
        streaming_ = false;
        throw DatabaseError("", "could not send standby status update: " + reason);
    }
    reported_ = confirmed_;
    last_status_ = Clock::now();
}

std::optional<XLogData> ReplicationStream::next(std::chrono::milliseconds timeout) {
    if (!conn_) throw DatabaseError("", "replication connection is closed");
    ETP_CHECK(streaming_, "next() before start()");

    // Drops the connection (nothing more can be done with it) and throws kUnavailable.
    auto lost = [this](std::string sqlstate, const std::string& message) {
        conn_.reset();
        streaming_ = false;
        return DatabaseError(ErrorKind::kUnavailable, std::move(sqlstate), message, true);
    };
    auto status_due = [this] {
        auto due = last_status_ + options_.status_interval;
        if (confirmed_ > reported_) due = std::min(due, last_status_ + kProgressDelay);
        return due;
    };

    const auto deadline = Clock::now() + timeout;
    bool waited = false;
    for (;;) {
        if (Clock::now() >= status_due()) send_status(false);

        char* raw = nullptr;
        const int n = PQgetCopyData(conn_.get(), &raw, /*async=*/1);
        if (n > 0) {
            const std::unique_ptr<char, FreeCopyData> owned(raw);
            const std::string_view msg(raw, static_cast<std::size_t>(n));
            if (msg[0] == 'w') {
                if (msg.size() < 25) {
                    throw DatabaseError(ErrorKind::kInternal, "",
                                        "XLogData message of " + std::to_string(n) + " bytes",
                                        false);
                }
                XLogData data;
                data.wal_start = get_u64(&msg[1]);
                data.wal_end = get_u64(&msg[9]);
                data.send_time = from_pg_epoch_micros(static_cast<std::int64_t>(get_u64(&msg[17])));
                data.payload = std::string(msg.substr(25));
                server_wal_end_ = std::max(server_wal_end_, data.wal_end);
                return data;
            }
            if (msg[0] == 'k') {
                if (msg.size() < 18) {
                    throw DatabaseError(ErrorKind::kInternal, "",
                                        "keepalive message of " + std::to_string(n) + " bytes",
                                        false);
                }
                server_wal_end_ = std::max(server_wal_end_, get_u64(&msg[1]));
                if (msg[17] != 0) send_status(false);
                // A server that keeps asking (it does while it waits to shut down) must not
                // keep us past the deadline: the caller may want to confirm server_wal_end().
                if (Clock::now() >= deadline) return std::nullopt;
                continue;
            }
            throw DatabaseError(ErrorKind::kInternal, "",
                                "unexpected replication message type " +
                                    std::to_string(static_cast<unsigned char>(msg[0])),
                                false);
        }
        if (n == -1) {
            // The server ended the copy: an error (slot dropped, publication missing, server
            // shutting down) or a clean end. Collect what it said; a bounded number of results,
            // since after CopyDone libpq reports COPY_IN again on every call.
            ServerError e;
            for (int i = 0; i < 4; ++i) {
                ResultPtr res(PQgetResult(conn_.get()));
                if (!res) break;
                const auto status = PQresultStatus(res.get());
                if (status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR ||
                    status == PGRES_BAD_RESPONSE) {
                    e = describe(conn_.get(), res.get());
                }
                if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT ||
                    status == PGRES_COPY_BOTH) {
                    break;
                }
            }
            if (e.message.empty()) e.message = trimmed(PQerrorMessage(conn_.get()));
            if (e.message.empty()) e.message = "the server ended it";
            throw lost(std::move(e.sqlstate), "replication stream ended: " + e.message);
        }
        if (n == -2) {
            throw lost("", "replication stream failed: " + trimmed(PQerrorMessage(conn_.get())));
        }

        // n == 0: nothing complete buffered. Wait for the socket, the deadline, or the next
        // status update, whichever comes first.
        const auto now = Clock::now();
        if (waited && now >= deadline) return std::nullopt;
        const auto wake = std::min(deadline, status_due());
        const auto wait_ms = std::clamp<long long>(
            std::chrono::ceil<std::chrono::milliseconds>(wake - now).count(), 0, INT_MAX);
        const int fd = PQsocket(conn_.get());
        if (fd < 0) throw lost("", "replication connection has no socket");
        pollfd p{fd, POLLIN, 0};
        const int rc = ::poll(&p, 1, static_cast<int>(wait_ms));
        if (rc < 0 && errno != EINTR) {
            throw lost(
                "", std::string("poll on the replication socket failed: ") + std::strerror(errno));
        }
        if (rc > 0 && PQconsumeInput(conn_.get()) == 0) {
            throw lost("", "replication connection lost: " + trimmed(PQerrorMessage(conn_.get())));
        }
        waited = true;
    }
}

}  // namespace etp::pg
