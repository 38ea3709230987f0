#pragma once
// A logical replication connection (libpq, replication=database) streaming pgoutput from one
// slot. Owned by one thread; not thread-safe. Every failure is a DatabaseError: kUnavailable
// (retryable) when the connection is lost or the server is down, kNotFound when the slot does
// not exist, kConflict when another process is streaming from the slot, kInternal otherwise.
// Calls out of order (start() twice, next() or send_status() before start(), ensure_slot()
// after it) are bugs of the caller: ETP_CHECK aborts.
//
// Progress: the caller reports, via confirm(), the position up to which every change is safe
// elsewhere. The stream sends standby status updates (write = flush = apply = that position):
// when the server asks for a reply, at least every `status_interval`, and soon after confirm()
// moved it. Nothing past the confirmed position is ever reported as flushed.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "etp/pg/pgoutput.hpp"

struct pg_conn;

namespace etp::pg {

struct ReplicationOptions {
    std::string url;  // an ordinary postgresql:// URL; replication=database is added
    std::string slot;
    std::string publication;
    bool messages = true;  // stream pg_logical_emit_message() messages (heartbeats)
    std::chrono::milliseconds status_interval{10'000};
    std::chrono::seconds connect_timeout{5};
};

struct SystemIdentity {
    std::string system_id;
    std::int64_t timeline = 0;
    Lsn xlog_pos = 0;
    std::string dbname;
};

struct XLogData {
    Lsn wal_start = 0;  // the position of this message's WAL record
    Lsn wal_end = 0;    // the server's current end of WAL
    Timestamp send_time;
    std::string payload;  // one pgoutput message: decode with pgoutput::decode
};

class ReplicationStream {
 public:
    // Connects (with DateStyle=ISO, TimeZone=UTC, IntervalStyle=iso_8601,
    // extra_float_digits=3) and runs IDENTIFY_SYSTEM. Does not start streaming.
    explicit ReplicationStream(ReplicationOptions options);
    ~ReplicationStream();
    ReplicationStream(const ReplicationStream&) = delete;
    ReplicationStream& operator=(const ReplicationStream&) = delete;

    const SystemIdentity& identity() const noexcept { return identity_; }

    // CREATE_REPLICATION_SLOT <slot> LOGICAL pgoutput NOEXPORT_SNAPSHOT unless it exists.
    // True when it was created now.
    bool ensure_slot();

    // START_REPLICATION SLOT <slot> LOGICAL <from> (proto_version '1', publication_names …,
    // messages …). `from` 0 resumes at the slot's confirmed position. Also sets the confirmed
    // position to `from` when that is larger.
    void start(Lsn from = 0);

    // The next XLogData, waiting at most `timeout`; nullopt when none arrived in time.
    // Keepalives are answered inside (and recorded: server_wal_end()); status updates due are
    // sent inside. Throws DatabaseError(kUnavailable) when the server ends the stream.
    std::optional<XLogData> next(std::chrono::milliseconds timeout);

    // Everything up to `lsn` is safe: it will be reported as flushed. Never moves backwards.
    void confirm(Lsn lsn) noexcept;
    Lsn confirmed() const noexcept { return confirmed_; }
    // The server's end of WAL from the latest XLogData or keepalive (0 before any).
    Lsn server_wal_end() const noexcept { return server_wal_end_; }
    // Sends a standby status update now (e.g. before a clean stop).
    void send_status(bool reply_requested = false);

 private:
    struct Finish {
        void operator()(pg_conn* c) const noexcept;
    };

    ReplicationOptions options_;
    std::unique_ptr<pg_conn, Finish> conn_;
    SystemIdentity identity_;
    bool streaming_ = false;
    Lsn confirmed_ = 0;
    Lsn reported_ = 0;  // the position in the latest status update sent
    Lsn server_wal_end_ = 0;
    std::chrono::steady_clock::time_point last_status_{};
};

}  // namespace etp::pg
