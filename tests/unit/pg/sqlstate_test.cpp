#include <catch2/catch.hpp>

#include "etp/pg/error.hpp"

namespace {

struct Case {
    const char* sqlstate;
    etp::ErrorKind kind;
    bool retryable;
};

}  // namespace

TEST_CASE("SQLSTATE codes map to error kinds and retryability") {
    using etp::ErrorKind;
    const Case cases[] = {
        {"", ErrorKind::kUnavailable, true},         // no SQLSTATE: connection lost
        {"23505", ErrorKind::kConflict, false},      // unique_violation
        {"23P01", ErrorKind::kConflict, false},      // exclusion_violation
        {"23502", ErrorKind::kInvalidInput, false},  // not_null_violation
        {"23503", ErrorKind::kInvalidInput, false},  // foreign_key_violation
        {"23514", ErrorKind::kInvalidInput, false},  // check_violation
        {"22P02", ErrorKind::kInvalidInput, false},  // invalid_text_representation
        {"22003", ErrorKind::kInvalidInput, false},  // numeric_value_out_of_range
        {"22001", ErrorKind::kInvalidInput, false},  // string_data_right_truncation
        {"08000", ErrorKind::kUnavailable, true},    // connection_exception
        {"08006", ErrorKind::kUnavailable, true},    // connection_failure
        {"08001", ErrorKind::kUnavailable, true},    // sqlclient_unable_to_establish...
        {"57P01", ErrorKind::kUnavailable, true},    // admin_shutdown
        {"57P02", ErrorKind::kUnavailable, true},    // crash_shutdown
        {"57P03", ErrorKind::kUnavailable, true},    // cannot_connect_now
        {"53300", ErrorKind::kUnavailable, true},    // too_many_connections
        {"53100", ErrorKind::kUnavailable, true},    // disk_full
        {"40001", ErrorKind::kUnavailable, true},    // serialization_failure
        {"40P01", ErrorKind::kUnavailable, true},    // deadlock_detected
        {"40002", ErrorKind::kInternal, false},      // transaction_integrity_constraint
        {"42601", ErrorKind::kInternal, false},      // syntax_error
        {"42P01", ErrorKind::kInternal, false},      // undefined_table
        {"42703", ErrorKind::kInternal, false},      // undefined_column
        {"57014", ErrorKind::kUnavailable, true},    // query_canceled (statement_timeout)
        {"25P02", ErrorKind::kInternal, false},      // in_failed_sql_transaction
        {"XX000", ErrorKind::kInternal, false},      // internal_error
        {"P0001", ErrorKind::kInternal, false},      // raise_exception
        {"2350", ErrorKind::kInternal, false},       // malformed: not five characters
        {"0800", ErrorKind::kInternal, false},
    };
    for (const Case& c : cases) {
        INFO("sqlstate '" << c.sqlstate << "'");
        CHECK(etp::pg::error_kind_for_sqlstate(c.sqlstate) == c.kind);
        CHECK(etp::pg::is_retryable_sqlstate(c.sqlstate) == c.retryable);
        const etp::pg::DatabaseError error(c.sqlstate, "boom");
        CHECK(error.kind() == c.kind);
        CHECK(error.retryable() == c.retryable);
        CHECK(error.sqlstate() == c.sqlstate);
        CHECK(std::string(error.what()) == "boom");
    }
}

TEST_CASE("DatabaseError is an etp::Error") {
    try {
        throw etp::pg::DatabaseError("23505", "duplicate key");
    } catch (const etp::Error& e) {
        CHECK(e.kind() == etp::ErrorKind::kConflict);
    }
}
