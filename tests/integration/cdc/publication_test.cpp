// sync_publication against a real PostgreSQL: what the source's publication lists afterwards,
// and why a table is left out.

#include <catch2/catch.hpp>

#include <set>
#include <string>
#include <vector>

#include "etp/pg/connection.hpp"
#include "etp/testing/pg_cluster.hpp"
#include "pg_test_support.hpp"
#include "publication.hpp"

using etp::cdc_capture::sync_publication;
using etp::pg::Connection;

namespace {

// The tables the publication lists, as schema.table.
std::set<std::string> listed(Connection& conn, const std::string& publication) {
    auto r = conn.exec(
        "SELECT schemaname || '.' || tablename FROM pg_publication_tables WHERE pubname = $1",
        {publication});
    std::set<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.insert(std::string(r.text(i, 0)));
    return out;
}

// The URL of `url`'s database for another user (the harness trusts every local user).
std::string as_user(const std::string& url, const std::string& user) {
    const auto at = url.find("postgres@");
    REQUIRE(at != std::string::npos);
    return url.substr(0, at) + user + "@" + url.substr(at + std::string("postgres@").size());
}

}  // namespace

TEST_CASE("a table the capture role does not own is refused and the others are still published") {
    const auto url = etp::pg::test::fresh_database("cdc_owner");
    Connection admin(url);
    admin.exec_script(
        "DO $$ BEGIN CREATE ROLE etp_cdc_test LOGIN REPLICATION; "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$;"
        "GRANT CREATE ON DATABASE " +
        std::string(admin.exec("SELECT current_database()").text(0, 0)) +
        " TO etp_cdc_test;"
        "CREATE TABLE mine (id bigint PRIMARY KEY, v text);"
        "ALTER TABLE mine OWNER TO etp_cdc_test;"
        "CREATE TABLE theirs (id bigint PRIMARY KEY, v text);"  // owned by postgres
        "CREATE TABLE later (id bigint PRIMARY KEY, v text);"
        "ALTER TABLE later OWNER TO etp_cdc_test;"
        // Passes every check before ALTER PUBLICATION, which then refuses it.
        "CREATE UNLOGGED TABLE scratch (id bigint PRIMARY KEY);"
        "ALTER TABLE scratch OWNER TO etp_cdc_test;");

    Connection cdc(as_user(url, "etp_cdc_test"));
    REQUIRE(cdc.exec("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").boolean(0, 0) ==
            false);

    auto sync = sync_publication(cdc, "etp_owner_pub", {"public.mine", "public.theirs"});
    CHECK(listed(admin, "etp_owner_pub") == std::set<std::string>{"public.mine"});
    REQUIRE(sync.refused.size() == 1);
    CHECK(sync.refused.begin()->first == "public.theirs");
    CHECK_THAT(sync.refused.begin()->second, Catch::Contains("does not own it"));

    // Neither the refused table nor one the server refuses keeps a later one out.
    sync = sync_publication(cdc, "etp_owner_pub",
                            {"public.mine", "public.theirs", "public.scratch", "public.later"});
    CHECK(listed(admin, "etp_owner_pub") == std::set<std::string>{"public.later", "public.mine"});
    CHECK(sync.added == std::vector<std::string>{"public.later"});
    REQUIRE(sync.refused.size() == 2);
    CHECK_THAT(sync.refused["public.theirs"], Catch::Contains("does not own it"));
    CHECK_THAT(
        sync.refused["public.scratch"],
        Catch::Contains("adding it to the publication failed") && Catch::Contains("unlogged"));
}
