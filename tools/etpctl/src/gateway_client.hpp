#pragma once
// etpctl's one way to call the gateway: a blocking HTTP request with the API key, whose error
// answers (problem+json) and transport failures become CommandFailed with a message for
// people. Not thread-safe; one per command.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "client_settings.hpp"

namespace etp::ctl {

using Query = std::vector<std::pair<std::string, std::string>>;

// "https://host:8443/prefix/" -> {"https://host:8443", "/prefix"}. Throws UsageError on a URL
// that is not http(s)://host[:port][/path].
struct GatewayUrl {
    std::string origin;
    std::string base_path;  // no trailing slash; empty for the root
};
GatewayUrl split_gateway_url(const std::string& url);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string url_encode(std::string_view text);
// path?name=value&... with the values encoded; the path alone when the query is empty.
std::string with_query(const std::string& path, const Query& query);

// What stderr shows for an error answer: "<status> <title>: <detail>", then one
// "  <pointer>: <message>" line per failing field. A body that is not problem+json is shown
// (its start) as it is.
std::string describe_error(int status, std::string_view body);

struct Request {
    Request(std::string method_, std::string path_, Query query_ = {})
        : method(std::move(method_)), path(std::move(path_)), query(std::move(query_)) {}

    std::string method;  // GET, POST, PUT, DELETE
    std::string path;    // "/api/v1/triggers" (the URL's base path goes in front)
    Query query;
    std::optional<nlohmann::json> body;  // sent as application/json
    std::vector<std::pair<std::string, std::string>> headers;
    bool needs_key = true;           // false: sent without a key (health)
    std::vector<int> also_accepted;  // error statuses to hand back instead of failing
};

struct Reply {
    int status = 0;
    nlohmann::json body;  // null when the answer has none
};

class GatewayClient {
 public:
    explicit GatewayClient(ClientSettings settings);

    // Blocks until the answer; throws CommandFailed on a status >= 400 (unless also accepted)
    // or when the gateway cannot be reached, UsageError when a key is needed and none is set.
    Reply send(const Request& request) const;

 private:
    ClientSettings settings_;
    GatewayUrl url_;
};

}  // namespace etp::ctl
