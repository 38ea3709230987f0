#include "etp/pg/pool.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <cstdlib>
#include <exception>

#include "etp/pg/error.hpp"
#include "etp/runtime/log.hpp"

namespace etp::pg {
namespace {

// Whether a connection can serve the next user. Never blocks: libpq sockets are non-blocking
// and PQconsumeInput only reads what has already arrived. Reading twice lets libpq see both a
// server's farewell message (e.g. after pg_terminate_backend or a shutdown) and the EOF behind
// it, so a connection the server has closed while idle is dropped here instead of failing
// the next query. Best effort: a close still in flight surfaces as that query's kUnavailable.
bool reusable(Connection& conn) noexcept {
    if (!conn.is_open()) return false;
    PGconn* raw = conn.native();
    for (int i = 0; i < 2; ++i) {
        if (PQconsumeInput(raw) == 0) return false;
    }
    return PQstatus(raw) == CONNECTION_OK && PQtransactionStatus(raw) == PQTRANS_IDLE &&
           !PQisBusy(raw);
}

}  // namespace

Pool::Lease::~Lease() {
    if (conn_) pool_->give_back(std::move(conn_));
}

Pool::Pool(std::string url, std::size_t max_size, std::chrono::milliseconds statement_timeout)
    : url_(std::move(url)), max_size_(max_size), statement_timeout_(statement_timeout) {
    if (max_size_ == 0) throw Error(ErrorKind::kInvalidInput, "pool size must be at least 1");
    idle_.reserve(max_size_);  // so that give_back (noexcept) never allocates
}

Pool::~Pool() {
    std::lock_guard lock(mutex_);
    if (open_count_ != idle_.size()) {
        // A Lease still points at this pool and would write to freed memory on return.
        log::error("pg::Pool destroyed while connections are leased",
                   {{"open", open_count_}, {"idle", idle_.size()}});
        std::abort();
    }
}

Pool::Lease Pool::acquire(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::vector<std::unique_ptr<Connection>> dropped;  // closed after the lock is released
    std::unique_lock lock(mutex_);
    for (;;) {
        while (!idle_.empty()) {
            std::unique_ptr<Connection> conn = std::move(idle_.back());
            idle_.pop_back();
            if (reusable(*conn)) return Lease(*this, std::move(conn));
            --open_count_;
            dropped.push_back(std::move(conn));
        }
        if (open_count_ < max_size_) {
            ++open_count_;  // reserve the slot, then connect without holding the lock
            lock.unlock();
            try {
                const auto left = std::chrono::ceil<std::chrono::seconds>(
                    deadline - std::chrono::steady_clock::now());
                const auto connect_timeout =
                    std::clamp(left, std::chrono::seconds(1), std::chrono::seconds(5));
                return Lease(
                    *this, std::make_unique<Connection>(url_, connect_timeout, statement_timeout_));
            } catch (...) {
                lock.lock();
                --open_count_;
                available_.notify_one();
                throw;
            }
        }
        if (available_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
            open_count_ >= max_size_) {
            throw DatabaseError("", "timed out after " + std::to_string(timeout.count()) +
                                        " ms waiting for a database connection (pool size " +
                                        std::to_string(max_size_) + ")");
        }
    }
}

std::optional<std::string> Pool::check() noexcept {
    try {
        Lease lease = acquire(std::chrono::seconds(2));
        lease->exec("SELECT 1");
        return std::nullopt;
    } catch (const std::exception& e) {
        return std::string(e.what());
    } catch (...) {
        return std::string("unknown error");
    }
}

void Pool::give_back(std::unique_ptr<Connection> conn) noexcept {
    // A connection left inside a transaction (or mid-COPY) would leak that state into the
    // next user: close it like a broken one.
    const bool keep = conn->is_open() && PQtransactionStatus(conn->native()) == PQTRANS_IDLE;
    {
        std::lock_guard lock(mutex_);
        if (keep) {
            idle_.push_back(std::move(conn));
        } else {
            --open_count_;
        }
    }
    available_.notify_one();
    // conn (when dropped) is closed here, outside the lock.
}

}  // namespace etp::pg
