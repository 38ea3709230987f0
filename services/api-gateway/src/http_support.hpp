#pragma once
// What every route handler needs: JSON bodies in, JSON and problem+json out, typed path and
// query parameters, and the HttpError that carries statuses with no etp::ErrorKind
// (401, 403, 413, 415, 422). Used on the HTTP server's handler threads; stateless.

#include "etp/net/message.hpp"

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "etp/domain/ids.hpp"
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
// Deeper documents are refused before parsing: copying and serialising JSON recurse, so depth
// is what bounds the stack, whatever the size limit lets through.
inline constexpr int kMaxJsonDepth = 64;

// The body as JSON: 415 unless Content-Type is application/json, 400 when malformed, nested
// deeper than kMaxJsonDepth, or holding a string with U+0000 (which neither text parameters
// nor jsonb can store). An empty body gives `when_empty`.
nlohmann::json json_body(const net::Request& req,
                         const nlohmann::json& when_empty = nlohmann::json::object());

void reply_json(net::Response& res, int status, const nlohmann::json& body);
void reply_problem(net::Response& res, const Problem& problem);

// Path ids: a malformed id is simply not found (404), as no such resource can exist.
TriggerId trigger_id_param(const net::Request& req, std::size_t match_index,
                           std::string_view what = "trigger");

// A 400 naming the malformed query parameter (pointer "?name").
HttpError bad_query(const std::string& name, std::string message);

// Query parameters: 400 naming the parameter when present but malformed.
std::int64_t query_int(const net::Request& req, const std::string& name, std::int64_t fallback,
                       std::int64_t min, std::int64_t max);
std::optional<bool> query_bool(const net::Request& req, const std::string& name);
std::optional<std::string> query_text(const net::Request& req, const std::string& name);

}  // namespace etp::gateway
