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

// Maps an etp::Error kind to its HTTP status and a problem. The detail of a 5xx says what
// failed ("database unavailable"), never the error's own text, which names hosts and users:
// that goes to the log (see HttpServer).
Problem problem_from(const Error& error);

}  // namespace etp::gateway
