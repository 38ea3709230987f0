#pragma once
// What every route handler needs: JSON bodies in, JSON and problem+json out, typed path and
// query parameters, and the HttpError that carries statuses with no etp::ErrorKind
// (401, 403, 412, 413, 415, 422). Everything else a route refuses is an etp::Error (a
// ProblemError when the answer names fields), mapped to its status by problem_from. Used on the
// HTTP server's handler threads; stateless.

#include "etp/net/message.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "etp/domain/ids.hpp"
#include "etp/domain/json_reader.hpp"
#include "problem.hpp"

namespace etp::gateway {

class HttpError : public std::runtime_error {
 public:
    explicit HttpError(Problem problem)
        : std::runtime_error(problem.detail), problem_(std::move(problem)) {}
    HttpError(int status, std::string detail)
        : HttpError(Problem{status, "", std::move(detail), {}}) {}
    const Problem& problem() const noexcept { return problem_; }

 private:
    Problem problem_;
};

inline constexpr std::size_t kMaxBodyBytes = 1024 * 1024;
// The depth limit and check of request bodies (libs/domain).
using detail::kMaxJsonDepth;
using detail::nesting_depth;
// The JSON pointer of the first string (key or value) holding U+0000, if any.
std::optional<std::string> find_nul(const nlohmann::json& root);

// The body as JSON: 415 unless Content-Type is application/json, 400 when malformed, nested
// deeper than kMaxJsonDepth, or holding a string with U+0000 (which neither text parameters
// nor jsonb can store). An empty body gives `when_empty`.
nlohmann::json json_body(const net::Request& req,
                         const nlohmann::json& when_empty = nlohmann::json::object());

// The challenge of every 401 (RFC 9110 11.6.1): the two ways a key is presented, as
// `Authorization: Bearer <key>` or in the X-API-Key header.
inline constexpr std::string_view kWwwAuthenticate =
    R"(Bearer realm="etp", ApiKey realm="etp", header="X-API-Key")";

void reply_json(net::Response& res, int status, const nlohmann::json& body);
// A 401 also gets WWW-Authenticate: kWwwAuthenticate.
void reply_problem(net::Response& res, const Problem& problem);

// The 404 of a resource: "no <what> with id <id>".
Error not_found(std::string_view what, std::string_view id);

// Path ids: a malformed id is simply not found (404), as no such resource can exist.
TriggerId trigger_id_param(const net::Request& req, std::size_t match_index,
                           std::string_view what = "trigger");

// A 400 naming the malformed query parameter (pointer "?name").
ProblemError bad_query(const std::string& name, std::string message);

// Query parameters: 400 naming the parameter when present but malformed.
std::int64_t query_int(const net::Request& req, const std::string& name, std::int64_t fallback,
                       std::int64_t min, std::int64_t max);
std::optional<bool> query_bool(const net::Request& req, const std::string& name);
std::optional<std::string> query_text(const net::Request& req, const std::string& name);

// A resource version as a strong entity tag: "7" (quotes included).
std::string entity_tag(std::int64_t version);

// Whether an If-Match header allows a change of the resource at `version` (RFC 9110 13.1.1,
// strong comparison): no header allows it, `*` matches any existing resource, otherwise one of
// the listed tags must be entity_tag(version); weak tags (W/"7") never match. 400 naming the
// header when it is not `*` or a comma-separated list of quoted tags.
bool if_match_allows(const net::Request& req, std::int64_t version);

}  // namespace etp::gateway
