#include "problem.hpp"

namespace etp::gateway {

std::string_view status_title(int status) {
    switch (status) {
        case 400:
            return "Bad Request";
        case 401:
            return "Unauthorized";
        case 403:
            return "Forbidden";
        case 404:
            return "Not Found";
        case 405:
            return "Method Not Allowed";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 416:
            return "Range Not Satisfiable";
        case 415:
            return "Unsupported Media Type";
        case 422:
            return "Unprocessable Content";
        case 503:
            return "Service Unavailable";
        default:
            return status >= 500 ? "Internal Server Error" : "Bad Request";
    }
}

nlohmann::json Problem::to_json() const {
    nlohmann::json j = {{"type", "about:blank"},
                        {"status", status},
                        {"title", title.empty() ? std::string(status_title(status)) : title},
                        {"detail", detail}};
    if (!errors.empty()) {
        j["errors"] = nlohmann::json::array();
        for (const auto& e : errors)
            j["errors"].push_back({{"pointer", e.pointer}, {"message", e.message}});
    }
    return j;
}

Problem problem_from(const Error& error) {
    Problem p;
    switch (error.kind()) {
        case ErrorKind::kInvalidInput:
            p.status = 400;
            break;
        case ErrorKind::kNotFound:
            p.status = 404;
            break;
        case ErrorKind::kConflict:
            p.status = 409;
            break;
        case ErrorKind::kUnavailable:
            p.status = 503;
            break;
        case ErrorKind::kInternal:
            p.status = 500;
            break;
    }
    p.detail = p.status == 500 ? "internal error; see the gateway log" : error.what();
    if (const auto* v = dynamic_cast<const ValidationError*>(&error)) {
        p.errors = v->errors();
        p.detail = "the request has " + std::to_string(p.errors.size()) + " invalid field" +
                   (p.errors.size() == 1 ? "" : "s");
    }
    return p;
}

}  // namespace etp::gateway
