// The scheduler while PostgreSQL is down: its planning and claiming fail and are retried, it
// stops within 10 s on SIGTERM, and it is ready again once PostgreSQL is back.
#include "db_down.hpp"

TEST_CASE("the scheduler stops promptly while PostgreSQL is down") {
    etp::e2e::check_stops_while_db_down("scheduler", {{"SCHEDULER_WORKERS", "4"}},
                                        "planning schedules failed");
}
