#include "problem.hpp"

#include "etp/net/message.hpp"
#include "etp/pg/error.hpp"

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
    // What failed, never how: libpq's and librdkafka's texts name hosts, ports and users. The
    // HTTP adapter logs the error itself for every 5xx.
    const auto* database = dynamic_cast<const pg::DatabaseError*>(&error);
    if (p.status == 500)
        p.detail = "internal error; see the gateway log";
    else if (p.status == 503 && database && database->sqlstate() == "57014")
        p.detail =
            "the database did not answer in time (DATABASE_STATEMENT_TIMEOUT); try again "
            "later, or ask for less";
    else if (p.status == 503 && database)
        p.detail = "database unavailable; try again later";
    else if (p.status == 503)
        p.detail = "a service the gateway depends on is unavailable; try again later";
    else
        p.detail = error.what();
    if (const auto* given = dynamic_cast<const ProblemError*>(&error)) {
        p.detail = error.what();
        p.errors = given->errors();
    }
    if (const auto* v = dynamic_cast<const ValidationError*>(&error)) {
        p.errors = v->errors();
        p.detail = "the request has " + std::to_string(p.errors.size()) + " invalid field" +
                   (p.errors.size() == 1 ? "" : "s");
    }
    return p;
}

}  // namespace etp::gateway
