#include "etp/pg/error.hpp"

#include <utility>

namespace etp::pg {
namespace {

// SQLSTATE codes are five characters; the first two are the class.
bool in_class(std::string_view sqlstate, std::string_view cls) noexcept {
    return sqlstate.size() == 5 && sqlstate.substr(0, 2) == cls;
}

// Failures where the same statement may succeed later: the server or the connection went away,
// ran out of resources, or a concurrent transaction got in the way.
bool is_transient(std::string_view sqlstate) noexcept {
    return sqlstate.empty()                                // no SQLSTATE: connection lost
           || in_class(sqlstate, "08")                     // connection exception
           || in_class(sqlstate, "53")                     // insufficient resources
           || sqlstate == "57P01" || sqlstate == "57P02"   // admin / crash shutdown
           || sqlstate == "57P03"                          // cannot connect now
           || sqlstate == "57014"                          // canceled: statement_timeout
           || sqlstate == "40001" || sqlstate == "40P01";  // serialization, deadlock
}

}  // namespace

ErrorKind error_kind_for_sqlstate(std::string_view sqlstate) noexcept {
    if (is_transient(sqlstate)) return ErrorKind::kUnavailable;
    if (sqlstate == "23505" || sqlstate == "23P01") return ErrorKind::kConflict;
    // Integrity constraints other than uniqueness (not null, check, foreign key) and data
    // exceptions (bad input syntax, out of range) reject what the caller sent.
    if (in_class(sqlstate, "23") || in_class(sqlstate, "22")) return ErrorKind::kInvalidInput;
    // Syntax errors, undefined objects (class 42) and everything else are our bugs.
    return ErrorKind::kInternal;
}

bool is_retryable_sqlstate(std::string_view sqlstate) noexcept { return is_transient(sqlstate); }

DatabaseError::DatabaseError(std::string sqlstate, const std::string& message)
    : Error(error_kind_for_sqlstate(sqlstate), message, is_retryable_sqlstate(sqlstate)),
      sqlstate_(std::move(sqlstate)) {}

DatabaseError::DatabaseError(ErrorKind kind, std::string sqlstate, const std::string& message,
                             bool retryable)
    : Error(kind, message, retryable), sqlstate_(std::move(sqlstate)) {}

}  // namespace etp::pg
