// Triggers and their signing secrets against a real PostgreSQL: the secrets live in
// trigger_secrets (never in triggers), rotate with a grace period, and sign newest first.

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <thread>

#include "etp/domain/error.hpp"
#include "etp/domain/secret_box.hpp"
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

etp::secrets::SecretKey test_key(char fill, const std::string& id) {
    std::string problem;
    auto key =
        etp::secrets::parse_key(etp::webhook::base64_encode(std::string(32, fill)), id, problem);
    REQUIRE(key);
    return *key;
}

const etp::secrets::SecretBox& keyed_box() {
    static const etp::secrets::SecretBox box(test_key('a', "key-a"), {});
    return box;
}

etp::pg::TriggerSecretRecord add(Connection& conn, const etp::TriggerId& trigger,
                                 const std::string& secret,
                                 const etp::secrets::SecretBox& box = keyed_box()) {
    return TriggerSecretStore::add(
        conn, trigger, TriggerSecretStore::seal(box, trigger, etp::new_uuid_v7(), secret));
}

std::vector<std::string> active(Connection& conn, const etp::TriggerId& trigger) {
    return TriggerSecretStore::active_secrets(conn, keyed_box(), trigger);
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
    auto a = add(conn, id, first);
    CHECK(a.prefix == first.substr(0, 10) + "…");
    CHECK_FALSE(a.expires_at);
    CHECK(a.active);
    std::this_thread::sleep_for(2ms);  // distinct created_at, so "newest" is well defined
    auto b = add(conn, id, second);

    auto listed = TriggerSecretStore::list(conn, id);
    REQUIRE(listed.size() == 2);
    CHECK(listed[0].id == b.id);
    CHECK(listed[1].id == a.id);
    CHECK(listed[1].created_at == a.created_at);
    CHECK(active(conn, id) == std::vector<std::string>{second, first});

    // Another trigger's secrets are its own.
    etp::TriggerId other = create_trigger(conn, std::nullopt);
    CHECK(TriggerSecretStore::list(conn, other).empty());
    CHECK(active(conn, other).empty());
    CHECK_FALSE(TriggerSecretStore::remove(conn, other, a.id));

    CHECK(TriggerSecretStore::remove(conn, id, a.id));
    CHECK_FALSE(TriggerSecretStore::remove(conn, id, a.id));
    CHECK(active(conn, id) == std::vector<std::string>{second});
    CHECK(TriggerSecretStore::remove_all(conn, id) == 1);
    CHECK(TriggerSecretStore::list(conn, id).empty());

    // Deleting the trigger deletes its secrets.
    add(conn, other, first);
    CHECK(TriggerStore::remove(conn, other));
    CHECK(count(conn, "SELECT count(*) FROM trigger_secrets") == 0);
}

TEST_CASE("rotation: the others expire after the grace period, never later than they would") {
    Connection conn = migrated("secrets_rotation");
    etp::TriggerId id = create_trigger(conn, std::nullopt);
    auto old1 = add(conn, id, "whsec_old1");
    auto old2 = add(conn, id, "whsec_old2");
    conn.exec("UPDATE trigger_secrets SET expires_at = now() + interval '10 minutes' WHERE id = $1",
              {old2.id.to_string()});
    auto fresh = add(conn, id, "whsec_new");

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
    CHECK(active(conn, id).size() == 3);  // all sign until then

    // Grace 0: the others stop signing now; expired ones are listed until removed.
    CHECK(TriggerSecretStore::expire_others(conn, id, fresh.id, 0s) == 2);
    CHECK(active(conn, id) == std::vector<std::string>{"whsec_new"});
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

TEST_CASE("secrets are stored encrypted, with the key id beside them, and still sign") {
    Connection conn = migrated("secrets_at_rest");
    etp::TriggerId id = create_trigger(conn, std::nullopt);
    std::string secret = etp::webhook::generate_secret();
    auto a = add(conn, id, secret);
    CHECK(a.prefix == secret.substr(0, 10) + "…");
    auto row = conn.exec("SELECT key_id, secret FROM trigger_secrets");
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, "key_id") == "key-a");
    // Neither the secret nor its key part (the base64 after whsec_) is in the row.
    CHECK(std::string(row.text(0, "secret")).find(secret.substr(6, 12)) == std::string::npos);
    CHECK(active(conn, id) == std::vector<std::string>{secret});
}

TEST_CASE("a sealed value copied to another trigger's row does not open") {
    Connection conn = migrated("secrets_swapped");
    etp::TriggerId victim = create_trigger(conn, std::nullopt);
    etp::TriggerId attacker = create_trigger(conn, std::nullopt);
    add(conn, victim, etp::webhook::generate_secret());
    add(conn, attacker, etp::webhook::generate_secret());
    conn.exec(
        "UPDATE trigger_secrets SET secret = (SELECT secret FROM trigger_secrets WHERE trigger_id "
        "= $1) WHERE trigger_id = $2",
        {victim.to_string(), attacker.to_string()});
    CHECK_THROWS_WITH(active(conn, attacker), Catch::Contains("does not decrypt"));
}

TEST_CASE("reseal: plain and old-key rows are encrypted again under the current key") {
    Connection conn = migrated("secrets_reseal");
    etp::TriggerId id = create_trigger(conn, std::nullopt);
    const etp::secrets::SecretBox plain;
    const etp::secrets::SecretBox old_key(test_key('o', "key-old"), {});
    add(conn, id, "whsec_plain1", plain);
    add(conn, id, "whsec_oldkey", old_key);
    add(conn, id, "whsec_current");  // key-a already

    CHECK(TriggerSecretStore::reseal(conn, plain, 100) == 0);  // no key: nothing to do
    const etp::secrets::SecretBox rotated(test_key('a', "key-a"), {test_key('o', "key-old")});
    CHECK(TriggerSecretStore::reseal(conn, rotated, 1) == 1);  // batches of `limit`
    CHECK(TriggerSecretStore::reseal(conn, rotated, 100) == 1);
    CHECK(TriggerSecretStore::reseal(conn, rotated, 100) == 0);
    CHECK(count(conn, "SELECT count(*) FROM trigger_secrets WHERE key_id <> 'key-a'") == 0);
    CHECK(count(conn, "SELECT count(*) FROM trigger_secrets WHERE secret LIKE 'whsec_%'") == 0);
    // The old key is no longer needed.
    auto values = active(conn, id);
    std::sort(values.begin(), values.end());
    CHECK(values == std::vector<std::string>{"whsec_current", "whsec_oldkey", "whsec_plain1"});

    // A value no configured key opens stops the reseal, naming the key id.
    add(conn, id, "whsec_lost", etp::secrets::SecretBox(test_key('l', "key-lost"), {}));
    CHECK_THROWS_WITH(TriggerSecretStore::reseal(conn, rotated, 100),
                      Catch::Contains("\"key-lost\""));
}
