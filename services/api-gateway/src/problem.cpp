#include "problem.hpp"

#include "etp/net/message.hpp"

namespace etp::gateway {

nlohmann::json Problem::to_json() const {
    nlohmann::json j = {{"type", "about:blank"},
                        {"status", status},
                        {"title", title.empty() ? std::string(net::status_title(status)) : title},
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
