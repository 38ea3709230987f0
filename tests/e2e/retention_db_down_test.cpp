// Retention while PostgreSQL is down: its passes fail and are retried each interval, it stops
// within 10 s on SIGTERM, and it is ready again once PostgreSQL is back.
#include "db_down.hpp"

TEST_CASE("retention stops promptly while PostgreSQL is down") {
    etp::e2e::check_stops_while_db_down("retention", {{"RETENTION_INTERVAL", "1s"}},
                                        "retention pass failed");
}
