// Triggers and their signing secrets against a real PostgreSQL: the secrets live in
// trigger_secrets (never in triggers), rotate with a grace period, and sign newest first.

#include <catch2/catch.hpp>

#include <chrono>
#include <thread>

#include "etp/domain/webhook_signature.hpp"
#include "etp/pg/error.hpp"
#include "etp/pg/migrations.hpp"
#include "etp/pg/transaction.hpp"
#include "etp/pg/trigger_secret_store.hpp"
#include "etp/pg/trigger_store.hpp"
#include "pg_test_support.hpp"

using etp::pg::Connection;
using etp::pg::TriggerSecretStore;
using etp::pg::TriggerStore;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

Connection migrated(const std::string& prefix) {
    Connection conn(etp::pg::test::fresh_database(prefix));
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    return conn;
}

etp::TriggerId create_trigger(Connection& conn, const std::optional<std::string>& secret) {
    json target = {{"url", "https://example.com/hook"}};
    if (secret) target["secret"] = *secret;
    etp::TriggerId id{etp::new_uuid_v7()};
    TriggerStore::create(
        conn, id, etp::parse_trigger_spec({{"name", "t"}, {"type", "api"}, {"target", target}}));
    return id;
}

std::int64_t count(Connection& conn, const std::string& sql) {
    return conn.exec(sql).integer(0, 0);
}

}  // namespace

TEST_CASE("the trigger store neither writes nor reads a target's secret") {
    Connection conn = migrated("secrets_trigger_store");
    std::string secret = etp::webhook::generate_secret();
    etp::TriggerId id = create_trigger(conn, secret);
    CHECK(count(conn, "SELECT count(*) FROM trigger_secrets") == 0);
    CHECK(conn.exec("SELECT target::text FROM triggers").text(0, 0).find(secret) ==
          std::string::npos);
    auto stored = TriggerStore::get(conn, id);
    REQUIRE(stored);
    REQUIRE(stored->spec.target);
    CHECK_FALSE(stored->spec.target->secret);

    auto replaced = TriggerStore::replace(
        conn, id,
        etp::parse_trigger_spec(
            {{"name", "t2"},
             {"type", "api"},
             {"target", {{"url", "https://example.com/v2"}, {"secret", secret}}}}));
    REQUIRE(replaced);
    CHECK(replaced->version == 2);
    CHECK_FALSE(replaced->spec.target->secret);
    CHECK(count(conn, "SELECT count(*) FROM trigger_secrets") == 0);
}

TEST_CASE("secrets: add, list without values, sign newest first, delete") {
    Connection conn = migrated("secrets_basic");
    etp::TriggerId id = create_trigger(conn, std::nullopt);
    std::string first = etp::webhook::generate_secret();
    std::string second = etp::webhook::generate_secret();
    auto a = TriggerSecretStore::add(conn, id, etp::new_uuid_v7(), first);
    CHECK(a.prefix == first.substr(0, 10) + "…");
    CHECK_FALSE(a.expires_at);
    CHECK(a.active);
    std::this_thread::sleep_for(2ms);  // distinct created_at, so "newest" is well defined
    auto b = TriggerSecretStore::add(conn, id, etp::new_uuid_v7(), second);

    auto listed = TriggerSecretStore::list(conn, id);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].id == b.id);
    CHECK(listed[1].id == a.id);
    CHECK(listed[1].created_at == a.created_at);
    CHECK(TriggerSecretStore::active_secrets(conn, id) == std::vector<std::string>{second, first});

    // Another trigger's secrets are its own.
    etp::TriggerId other = create_trigger(conn, std::nullopt);
    CHECK(TriggerSecretStore::list(conn, other).empty());
    CHECK(TriggerSecretStore::active_secrets(conn, other).empty());
    CHECK_FALSE(TriggerSecretStore::remove(conn, other, a.id));

    CHECK(TriggerSecretStore::remove(conn, id, a.id));
    CHECK_FALSE(TriggerSecretStore::remove(conn, id, a.id));
    CHECK(TriggerSecretStore::active_secrets(conn, id) == std::vector<std::string>{second});
    CHECK(TriggerSecretStore::remove_all(conn, id) == 1);
    CHECK(TriggerSecretStore::list(conn, id).empty());

    // Deleting the trigger deletes its secrets.
    TriggerSecretStore::add(conn, other, etp::new_uuid_v7(), first);
    CHECK(TriggerStore::remove(conn, other));
    CHECK(count(conn, "SELECT count(*) FROM trigger_secrets") == 0);
}

TEST_CASE("rotation: the others expire after the grace period, never later than they would") {
    Connection conn = migrated("secrets_rotation");
    etp::TriggerId id = create_trigger(conn, std::nullopt);
    auto old1 = TriggerSecretStore::add(conn, id, etp::new_uuid_v7(), "whsec_old1");
    auto old2 = TriggerSecretStore::add(conn, id, etp::new_uuid_v7(), "whsec_old2");
    conn.exec("UPDATE trigger_secrets SET expires_at = now() + interval '10 minutes' WHERE id = $1",
              {old2.id.to_string()});
    auto fresh = TriggerSecretStore::add(conn, id, etp::new_uuid_v7(), "whsec_new");

    CHECK(TriggerSecretStore::expire_others(conn, id, fresh.id, 3600s) == 2);
    auto expiry = [&](const etp::Uuid& secret) {
        return conn
            .exec(
                "SELECT extract(epoch from expires_at - now())::bigint FROM trigger_secrets "
                "WHERE id = $1",
                {secret.to_string()})
            .optional_text(0, 0);
    };
    REQUIRE(expiry(old1.id));
    CHECK(std::stoll(*expiry(old1.id)) > 3590);
    CHECK(std::stoll(*expiry(old1.id)) <= 3600);
    CHECK(std::stoll(*expiry(old2.id)) <= 600);  // kept its sooner expiry
    CHECK_FALSE(expiry(fresh.id));
    CHECK(TriggerSecretStore::active_secrets(conn, id).size() == 3);  // all sign until then

    // Grace 0: the others stop signing now; expired ones are listed until removed.
    CHECK(TriggerSecretStore::expire_others(conn, id, fresh.id, 0s) == 2);
    CHECK(TriggerSecretStore::active_secrets(conn, id) == std::vector<std::string>{"whsec_new"});
    auto listed = TriggerSecretStore::list(conn, id);
    REQUIRE(listed.size() == 3);
    CHECK(listed[0].active);
    CHECK_FALSE(listed[1].active);
    CHECK(listed[1].expires_at);
    CHECK(TriggerSecretStore::expire_others(conn, id, fresh.id, 60s) == 0);  // none unexpired
    CHECK(TriggerSecretStore::remove_expired(conn, id) == 2);
    CHECK(TriggerSecretStore::list(conn, id).size() == 1);
}

TEST_CASE("get_for_update holds the trigger's row until the transaction ends") {
    const auto url = etp::pg::test::fresh_database("secrets_lock");
    Connection conn(url);
    etp::pg::apply_migrations(conn, etp::pg::builtin_migrations());
    etp::TriggerId id = create_trigger(conn, std::nullopt);
    CHECK_FALSE(TriggerStore::get_for_update(conn, etp::TriggerId{etp::new_uuid_v7()}));

    Connection other(url);
    other.exec("SET lock_timeout = '200ms'");
    {
        etp::pg::Transaction tx(conn);
        auto locked = TriggerStore::get_for_update(conn, id);
        REQUIRE(locked);
        CHECK(locked->spec.name == "t");
        etp::pg::Transaction blocked(other);
        CHECK_THROWS_AS(TriggerStore::get_for_update(other, id), etp::pg::DatabaseError);
    }
    etp::pg::Transaction tx(other);
    CHECK(TriggerStore::get_for_update(other, id));
}
