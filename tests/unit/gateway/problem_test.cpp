// What an API client sees of a failure.

#include <catch2/catch.hpp>

#include "etp/pg/error.hpp"
#include "problem.hpp"

using etp::gateway::problem_from;
using etp::pg::DatabaseError;

TEST_CASE("a statement cancelled by the statement timeout is a 503 saying so") {
    auto p = problem_from(DatabaseError("57014", "canceling statement due to statement timeout"));
    CHECK(p.status == 503);
    CHECK(p.detail ==
          "the database did not answer in time (DATABASE_STATEMENT_TIMEOUT); try again later, or "
          "ask for less");
}
