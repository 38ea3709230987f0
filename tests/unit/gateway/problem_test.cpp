// What an API client sees of a failure: what failed, not the library's text (issue 22: libpq's
// and librdkafka's messages, with hosts and users, reached clients).

#include <catch2/catch.hpp>

#include "etp/pg/error.hpp"
#include "problem.hpp"

using etp::Error;
using etp::ErrorKind;
using etp::gateway::problem_from;
using etp::pg::DatabaseError;

namespace {
const std::string kLibpq =
    "could not connect to database: connection to server at \"db.internal\" (10.0.0.5), port "
    "5432 failed: FATAL:  password authentication failed for user \"etp_owner\"";
}

TEST_CASE("a database that cannot be reached is a 503 that names no host or user") {
    auto p = problem_from(DatabaseError("", kLibpq));
    CHECK(p.status == 503);
    CHECK(p.detail == "database unavailable; try again later");
    p = problem_from(DatabaseError("08006", kLibpq));
    CHECK(p.status == 503);
    CHECK(p.detail == "database unavailable; try again later");
    CHECK(p.to_json().dump().find("db.internal") == std::string::npos);
    CHECK(p.to_json().dump().find("etp_owner") == std::string::npos);
}

TEST_CASE("a statement cancelled by the statement timeout is a 503 saying so") {
    auto p = problem_from(DatabaseError("57014", "canceling statement due to statement timeout"));
    CHECK(p.status == 503);
    CHECK(p.detail ==
          "the database did not answer in time (DATABASE_STATEMENT_TIMEOUT); try again later, or "
          "ask for less");
}

TEST_CASE("other unavailable dependencies and internal errors name nothing either") {
    auto p = problem_from(Error(
        ErrorKind::kUnavailable,
        "kafka producer failed: kafka-0.internal:9092/1: Connect to ipv4#10.0.0.7:9092 failed",
        true));
    CHECK(p.status == 503);
    CHECK(p.detail == "a service the gateway depends on is unavailable; try again later");
    p = problem_from(DatabaseError("42P01", "relation \"etp_private.x\" does not exist"));
    CHECK(p.status == 500);
    CHECK(p.detail == "internal error; see the gateway log");
    // Problems with the request itself keep their text: it is about what the client sent.
    p = problem_from(Error(ErrorKind::kNotFound, "no trigger with id x"));
    CHECK(p.status == 404);
    CHECK(p.detail == "no trigger with id x");
}

TEST_CASE("a ProblemError's text and fields are the answer, whatever its kind") {
    auto p = problem_from(etp::gateway::ProblemError(
        ErrorKind::kUnavailable, "Swagger UI is not installed: SWAGGER_UI_DIR is not set"));
    CHECK(p.status == 503);
    CHECK(p.detail == "Swagger UI is not installed: SWAGGER_UI_DIR is not set");
    p = problem_from(etp::gateway::ProblemError(ErrorKind::kConflict, "trigger x already fired",
                                                {{"/schedule/at", "already fired"}}));
    CHECK(p.status == 409);
    CHECK(p.detail == "trigger x already fired");
    CHECK(p.errors == std::vector<etp::FieldError>{{"/schedule/at", "already fired"}});
    p = problem_from(etp::gateway::ProblemError(
        ErrorKind::kInvalidInput, "invalid query parameter n", {{"?n", "must be an integer"}}));
    CHECK(p.status == 400);
    CHECK(p.to_json()["title"] == "Bad Request");
}
