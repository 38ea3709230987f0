#pragma once
// "One active retention instance": a session-level PostgreSQL advisory lock held on a
// connection of its own. The lock lives as long as that session: when the holder dies (even by
// SIGKILL) the server ends the session and another instance's next try_acquire() wins. Not
// thread-safe; owned by one thread.

#include <memory>
#include <string>

#include "etp/pg/connection.hpp"

namespace etp::retention {

class LeaderLock {
 public:
    explicit LeaderLock(std::string database_url);
    ~LeaderLock();  // closing the session releases the lock

    // True when this instance holds the lock: already held on a session that still answers,
    // or newly taken. False when another session holds it. Throws etp::pg::DatabaseError when
    // the database cannot be reached (the lock is then not held).
    bool try_acquire();
    bool held() const noexcept { return held_; }
    // Closes the session, releasing the lock. Never throws.
    void release() noexcept;

 private:
    std::string url_;
    std::unique_ptr<pg::Connection> conn_;
    bool held_ = false;
};

}  // namespace etp::retention
