// API key authentication against a stand-in for api_keys that counts its lookups.

#include <catch2/catch.hpp>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "auth.hpp"
#include "http_support.hpp"

using etp::gateway::Authenticator;
using etp::gateway::Digest;
using etp::gateway::HttpError;
using etp::gateway::Scope;
using etp::gateway::sha256;

namespace {

// api_keys: digest -> scopes; counts the lookups (the database round trips).
struct Keys {
    std::mutex mutex;
    std::map<Digest, std::vector<std::string>> stored;
    std::atomic<int> lookups{0};

    void create(const std::string& key, std::vector<std::string> scopes) {
        std::lock_guard lock(mutex);
        stored[sha256(key)] = std::move(scopes);
    }
    Authenticator::KeyLookup lookup() {
        return [this](const Digest& digest) -> std::optional<std::vector<std::string>> {
            ++lookups;
            std::lock_guard lock(mutex);
            auto it = stored.find(digest);
            if (it == stored.end()) return std::nullopt;
            return it->second;
        };
    }
};

etp::net::Request with_key(const std::string& key) {
    etp::net::Request req;
    req.method = "GET";
    req.headers.emplace_back("X-API-Key", key);
    return req;
}

// The status require() answers with: 200 when it lets the request through.
int status(Authenticator& auth, const std::string& key, Scope scope = Scope::kRead) {
    try {
        auth.require(with_key(key), scope);
        return 200;
    } catch (const HttpError& e) {
        return e.problem().status;
    }
}

}  // namespace

// Issue 22: unknown keys were not cached, so every request with a bad key cost a database
// round trip.
TEST_CASE("an unknown key is looked up once, then answered 401 from memory") {
    Keys keys;
    Authenticator auth("", keys.lookup());
    for (int i = 0; i < 20; ++i) CHECK(status(auth, "etp_wrong") == 401);
    CHECK(keys.lookups == 1);
    // Each unknown key once.
    CHECK(status(auth, "etp_other") == 401);
    CHECK(keys.lookups == 2);
}

TEST_CASE("a key created after unknown ones were tried works at once") {
    Keys keys;
    Authenticator auth("", keys.lookup());
    CHECK(status(auth, "etp_wrong") == 401);
    keys.create("etp_new", {"read"});
    CHECK(status(auth, "etp_new") == 200);
    CHECK(status(auth, "etp_new", Scope::kWrite) == 403);
    CHECK(status(auth, "etp_wrong") == 401);
}

TEST_CASE("an unknown key is looked up again once its entry expired") {
    Keys keys;
    Authenticator auth("", keys.lookup(), std::chrono::milliseconds(50));
    CHECK(status(auth, "etp_later") == 401);
    CHECK(status(auth, "etp_later") == 401);
    CHECK(keys.lookups == 1);
    keys.create("etp_later", {"write"});
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (status(auth, "etp_later") != 200 && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(status(auth, "etp_later") == 200);
}

TEST_CASE("a stream of random keys does not grow the memory of unknown keys without bound") {
    Keys keys;
    Authenticator auth("", keys.lookup());
    const int n = static_cast<int>(etp::gateway::kMaxUnknownKeys) + 500;
    int not_401 = 0;
    for (int i = 0; i < n; ++i)
        if (status(auth, "etp_random_" + std::to_string(i)) != 401) ++not_401;
    CHECK(not_401 == 0);
    CHECK(keys.lookups == n);
    // The first ones are remembered; past the bound they are looked up each time.
    CHECK(status(auth, "etp_random_0") == 401);
    CHECK(keys.lookups == n);
    CHECK(status(auth, "etp_random_" + std::to_string(n - 1)) == 401);
    CHECK(keys.lookups == n + 1);
}
