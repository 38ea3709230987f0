#pragma once
// SQLSTATE → etp::ErrorKind. Unique/exclusion violations are conflicts; data and constraint
// errors are invalid input; connection, shutdown, serialization and deadlock errors are
// unavailable and retryable; everything else is internal.

#include <string>
#include <string_view>

#include "etp/domain/error.hpp"

namespace etp::pg {

ErrorKind error_kind_for_sqlstate(std::string_view sqlstate) noexcept;
bool is_retryable_sqlstate(std::string_view sqlstate) noexcept;

class DatabaseError : public Error {
 public:
    // sqlstate is empty for failures without one (connection lost, protocol errors): those are
    // kUnavailable and retryable.
    DatabaseError(std::string sqlstate, const std::string& message);
    // For failures whose meaning depends on the command, not only on the SQLSTATE: a missing
    // replication slot (42704) is kNotFound, while 42704 elsewhere is our bug.
    DatabaseError(ErrorKind kind, std::string sqlstate, const std::string& message, bool retryable);
    const std::string& sqlstate() const noexcept { return sqlstate_; }
    // SQLSTATE 55P03: a lock was not granted within lock_timeout (or NOWAIT).
    bool lock_not_available() const noexcept { return sqlstate_ == "55P03"; }

 private:
    std::string sqlstate_;
};

}  // namespace etp::pg
