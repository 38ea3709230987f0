// GET /api/v1/whoami: which scopes the caller's key holds, so a client (the web console) can
// offer only what the key may do. Any valid key may ask; 401 otherwise.
#include "http_support.hpp"
#include "routes.hpp"

namespace etp::gateway {

void add_whoami_route(HttpServer& server, Authenticator& auth) {
    // Public to the server's own check: the handler authenticates, without asking for a scope.
    server.get("/api/v1/whoami", Scope::kPublic,
               [&auth](const net::Request& req, net::Response& res) {
                   nlohmann::json scopes = nlohmann::json::array();
                   for (Scope s : auth.scopes(req)) scopes.push_back(to_string(s));
                   reply_json(res, 200, {{"scopes", scopes}});
               });
}

}  // namespace etp::gateway
