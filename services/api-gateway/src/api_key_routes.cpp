#include <openssl/rand.h>

#include <algorithm>

#include "etp/domain/error.hpp"
#include "etp/domain/hex.hpp"
#include "etp/pg/api_key_store.hpp"
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {
namespace {

using nlohmann::json;

constexpr std::size_t kKeyPrefixLength = 12;

// "etp_" + 40 hex digits: 160 random bits.
std::string new_secret() {
    unsigned char bytes[20];
    if (RAND_bytes(bytes, sizeof bytes) != 1) throw Error(ErrorKind::kInternal, "no randomness");
    return "etp_" + to_hex(bytes);
}

json key_to_json(const pg::ApiKeyRecord& k) {
    return {
        {"id", k.id.to_string()},
        {"name", k.name},
        {"key_prefix", k.key_prefix},
        {"scopes", k.scopes},
        {"created_at", format_rfc3339(k.created_at)},
        {"last_used_at", k.last_used_at ? json(format_rfc3339(*k.last_used_at)) : json(nullptr)},
        {"revoked_at", k.revoked_at ? json(format_rfc3339(*k.revoked_at)) : json(nullptr)}};
}

struct KeyRequest {
    std::string name;
    std::vector<std::string> scopes;
};

KeyRequest parse_key_request(const json& body) {
    std::vector<FieldError> errors;
    KeyRequest r;
    if (!body.is_object())
        throw ValidationError(std::vector<FieldError>{{"", "must be a JSON object"}});
    for (const auto& [key, value] : body.items()) {
        if (key == "name") {
            if (!value.is_string() || value.get_ref<const std::string&>().empty() ||
                value.get_ref<const std::string&>().size() > 200)
                errors.push_back({"/name", "must be a string of 1 to 200 characters"});
            else
                r.name = value.get<std::string>();
        } else if (key == "scopes") {
            if (!value.is_array() || value.empty()) {
                errors.push_back(
                    {"/scopes", "must be a non-empty array of admin, write, read, fire"});
                continue;
            }
            for (std::size_t i = 0; i < value.size(); ++i) {
                if (!value[i].is_string() || !parse_scope(value[i].get_ref<const std::string&>())) {
                    errors.push_back(
                        {"/scopes/" + std::to_string(i), "must be admin, write, read or fire"});
                } else if (std::find(r.scopes.begin(), r.scopes.end(), value[i]) ==
                           r.scopes.end()) {
                    r.scopes.push_back(value[i].get<std::string>());
                }
            }
        } else {
            errors.push_back({"/" + key, "unknown field"});
        }
    }
    if (!body.contains("name")) errors.push_back({"/name", "is required"});
    if (!body.contains("scopes")) errors.push_back({"/scopes", "is required"});
    if (!errors.empty()) throw ValidationError(std::move(errors));
    return r;
}

}  // namespace

void add_api_key_routes(HttpServer& server, GatewayContext& ctx) {
    server.post(
        "/api/v1/api-keys", Scope::kAdmin, [&ctx](const net::Request& req, net::Response& res) {
            KeyRequest request = parse_key_request(json_body(req));
            std::string secret = new_secret();
            pg::ApiKeyRecord record;
            {
                auto conn = ctx.pool.acquire();
                record =
                    pg::ApiKeyStore::create(*conn, new_uuid_v7(), request.name, sha256(secret),
                                            secret.substr(0, kKeyPrefixLength), request.scopes);
            }
            json body = key_to_json(record);
            body["key"] = secret;  // the only time the key is ever shown
            res.set_header("Location", "/api/v1/api-keys/" + record.id.to_string());
            reply_json(res, 201, body);
        });

    server.get("/api/v1/api-keys", Scope::kAdmin, [&ctx](const net::Request&, net::Response& res) {
        std::vector<pg::ApiKeyRecord> keys;
        {
            auto conn = ctx.pool.acquire();
            keys = pg::ApiKeyStore::list(*conn);
        }
        json items = json::array();
        for (const auto& k : keys) items.push_back(key_to_json(k));
        reply_json(res, 200, {{"items", items}, {"has_more", false}, {"next_cursor", nullptr}});
    });

    server.del(R"(/api/v1/api-keys/([^/]+))", Scope::kAdmin,
               [&ctx](const net::Request& req, net::Response& res) {
                   std::string text = req.matches[1];
                   auto id = Uuid::parse(text);
                   bool revoked = false;
                   if (id) {
                       auto conn = ctx.pool.acquire();
                       revoked = pg::ApiKeyStore::revoke(*conn, *id);
                   }
                   if (!revoked)
                       throw Error(ErrorKind::kNotFound, "no active API key with id " + text);
                   res.status = 204;
               });
}

}  // namespace etp::gateway
