// cdc-capture while PostgreSQL (here both the platform and the source database) is down: its
// stream ends and is retried, it stops within 10 s on SIGTERM, and it is ready again once
// PostgreSQL is back.
#include "db_down.hpp"

TEST_CASE("cdc-capture stops promptly while PostgreSQL is down") {
    etp::e2e::check_stops_while_db_down(
        "cdc-capture",
        {{"CDC_SLOT", "db_down"}, {"CDC_PUBLICATION", "db_down"}, {"CDC_TRIGGER_REFRESH", "200ms"}},
        "change capture interrupted");
}
