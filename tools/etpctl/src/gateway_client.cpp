#include "gateway_client.hpp"

#include <httplib.h>

#include <algorithm>

namespace etp::ctl {
namespace {

constexpr time_t kConnectTimeoutSeconds = 5;
constexpr time_t kReadTimeoutSeconds = 60;
constexpr std::size_t kShownBodyBytes = 300;

std::string status_line(int status) { return "HTTP " + std::to_string(status); }

std::string transport_problem(httplib::Error error) {
    switch (error) {
        case httplib::Error::Connection:
            return "could not connect (refused, or no route)";
        case httplib::Error::ConnectionTimeout:
            return "no connection within " + std::to_string(kConnectTimeoutSeconds) + " s";
        case httplib::Error::Read:
            return "no complete answer (the connection broke or " +
                   std::to_string(kReadTimeoutSeconds) + " s passed)";
        case httplib::Error::Write:
            return "the request could not be sent";
        case httplib::Error::SSLConnection:
            return "the TLS handshake failed";
        case httplib::Error::SSLLoadingCerts:
            return "the system's CA certificates could not be loaded";
        case httplib::Error::SSLServerVerification:
            return "the server's TLS certificate was not accepted";
        default:
            return httplib::to_string(error);
    }
}

}  // namespace

GatewayUrl split_gateway_url(const std::string& url) {
    const auto bad = [&](const std::string& why) {
        return UsageError("gateway URL '" + url + "' " + why +
                          " (want http://host:port or https://host:port[/path])");
    };
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string::npos) throw bad("has no scheme");
    const std::string scheme = url.substr(0, scheme_end);
    if (scheme != "http" && scheme != "https") throw bad("is not http or https");
    const auto path_start = url.find('/', scheme_end + 3);
    const std::string authority = url.substr(scheme_end + 3, path_start - (scheme_end + 3));
    if (authority.empty()) throw bad("has no host");
    if (authority.find_first_of("?#@ ") != std::string::npos) throw bad("has a bad host");
    GatewayUrl out{scheme + "://" + authority, ""};
    if (path_start != std::string::npos) {
        out.base_path = url.substr(path_start);
        if (out.base_path.find_first_of("?#") != std::string::npos) {
            throw bad("has a query or fragment");
        }
        while (!out.base_path.empty() && out.base_path.back() == '/') out.base_path.pop_back();
    }
    return out;
}

std::string url_encode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '.' || c == '_' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            out.push_back('%');
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 0x0F]);
        }
    }
    return out;
}

std::string with_query(const std::string& path, const Query& query) {
    std::string out = path;
    char separator = '?';
    for (const auto& [name, value] : query) {
        out += separator + url_encode(name) + "=" + url_encode(value);
        separator = '&';
    }
    return out;
}

std::string describe_error(int status, std::string_view body) {
    const auto problem = nlohmann::json::parse(body, nullptr, false);
    if (problem.is_object() && problem.contains("detail") && problem["detail"].is_string()) {
        std::string title = problem.value("title", std::string());
        std::string out = std::to_string(status) + (title.empty() ? "" : " " + title) + ": " +
                          problem["detail"].get<std::string>();
        if (problem.contains("errors") && problem["errors"].is_array()) {
            for (const auto& error : problem["errors"]) {
                if (!error.is_object()) continue;
                // "" points at the whole body.
                auto pointer = error.value("pointer", std::string());
                out += "\n  " + (pointer.empty() ? std::string("(the body)") : pointer) + ": " +
                       error.value("message", std::string());
            }
        }
        return out;
    }
    std::string shown(body.substr(0, kShownBodyBytes));
    if (body.size() > kShownBodyBytes) shown += "...";
    return status_line(status) + (shown.empty() ? "" : ": " + shown);
}

GatewayClient::GatewayClient(ClientSettings settings)
    : settings_(std::move(settings)), url_(split_gateway_url(settings_.url)) {}

Reply GatewayClient::send(const Request& request) const {
    if (request.needs_key && !settings_.key) {
        throw UsageError(
            "no API key: pass --key, set ETP_API_KEY, or start the platform with scripts/run "
            "(which writes .run/env)");
    }
    httplib::Client client(url_.origin);
    client.set_connection_timeout(kConnectTimeoutSeconds, 0);
    client.set_read_timeout(kReadTimeoutSeconds, 0);
    client.set_write_timeout(kReadTimeoutSeconds, 0);

    httplib::Request req;
    req.method = request.method;
    req.path = with_query(url_.base_path + request.path, request.query);
    req.headers.emplace("Accept", "application/json, application/problem+json");
    req.headers.emplace("User-Agent", "etpctl");
    if (request.needs_key) req.headers.emplace("X-API-Key", *settings_.key);
    for (const auto& [name, value] : request.headers) req.headers.emplace(name, value);
    if (request.body) {
        req.body = request.body->dump();
        req.headers.emplace("Content-Type", "application/json");
    } else if (request.method == "POST" || request.method == "PUT") {
        req.headers.emplace("Content-Length", "0");
    }

    auto result = client.send(req);
    if (!result) {
        const bool no_connection = result.error() == httplib::Error::Connection ||
                                   result.error() == httplib::Error::ConnectionTimeout;
        throw CommandFailed("cannot reach the gateway at " + settings_.url + ": " +
                            transport_problem(result.error()) +
                            (no_connection ? " (is it running? the URL comes from --url, "
                                             "ETP_GATEWAY_URL or .run/env)"
                                           : ""));
    }
    const int status = result->status;
    const bool accepted = std::find(request.also_accepted.begin(), request.also_accepted.end(),
                                    status) != request.also_accepted.end();
    if (status >= 400 && !accepted)
        throw CommandFailed(describe_error(status, result->body), status);
    Reply reply;
    reply.status = status;
    if (!result->body.empty()) {
        reply.body = nlohmann::json::parse(result->body, nullptr, false);
        if (reply.body.is_discarded()) {
            auto start = result->body.substr(0, kShownBodyBytes);
            std::replace_if(
                start.begin(), start.end(),
                [](char c) { return static_cast<unsigned char>(c) < 0x20; }, ' ');
            throw CommandFailed("the gateway answered " + status_line(status) +
                                " with a body that is not JSON: " + start);
        }
    }
    return reply;
}

}  // namespace etp::ctl
