#pragma once
// RFC 9457 problem details: every error answer of the gateway is one of these.

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "etp/domain/error.hpp"

namespace etp::gateway {

struct Problem {
    int status = 500;
    std::string title;
    std::string detail;
    std::vector<FieldError> errors;  // for validation problems

    nlohmann::json to_json() const;
};

// An etp::Error whose message is written for the client: its problem's detail whatever the
// kind (a 5xx's detail is otherwise generic), with the fields it names. For answers that say
// more than the kind and a message: a 409 naming a field, a 503 saying what is not installed.
class ProblemError : public Error {
 public:
    ProblemError(ErrorKind kind, const std::string& detail, std::vector<FieldError> errors = {})
        : Error(kind, detail), errors_(std::move(errors)) {}

    const std::vector<FieldError>& errors() const noexcept { return errors_; }

 private:
    std::vector<FieldError> errors_;
};

// Maps an etp::Error kind to its HTTP status and a problem. The detail of a 5xx says what
// failed ("database unavailable"), never the error's own text, which names hosts and users:
// that goes to the log (see HttpServer).
Problem problem_from(const Error& error);

}  // namespace etp::gateway
