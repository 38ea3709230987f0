#include "leader_lock.hpp"

namespace etp::retention {
namespace {

// "etp_rete" in ASCII; any value works as long as nothing else uses it.
constexpr const char* kRetentionLockKey = "7310591650372613221";

}  // namespace

LeaderLock::LeaderLock(std::string database_url) : url_(std::move(database_url)) {}

LeaderLock::~LeaderLock() { release(); }

bool LeaderLock::try_acquire() {
    try {
        if (held_) {
            // The lock is as alive as the session that holds it.
            conn_->exec("SELECT 1");
            return true;
        }
        if (!conn_ || !conn_->is_open()) conn_ = std::make_unique<pg::Connection>(url_);
        held_ = conn_->exec("SELECT pg_try_advisory_lock($1::bigint)", {kRetentionLockKey})
                    .boolean(0, 0);
        return held_;
    } catch (...) {
        release();
        throw;
    }
}

void LeaderLock::release() noexcept {
    held_ = false;
    conn_.reset();
}

}  // namespace etp::retention
