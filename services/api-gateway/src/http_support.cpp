#include "http_support.hpp"

#include <algorithm>
#include <charconv>
#include <vector>

namespace etp::gateway {

using nlohmann::json;

// The pointer of the first string (key or value) holding U+0000, if any. Iterative.
std::optional<std::string> find_nul(const json& root) {
    std::vector<std::pair<const json*, std::string>> todo{{&root, ""}};
    while (!todo.empty()) {
        auto [node, pointer] = todo.back();
        todo.pop_back();
        if (node->is_string()) {
            if (node->get_ref<const std::string&>().find('\0') != std::string::npos) return pointer;
        } else if (node->is_object()) {
            for (const auto& [key, value] : node->items()) {
                std::string child = pointer + "/" + key;
                if (key.find('\0') != std::string::npos) return child;
                todo.emplace_back(&value, std::move(child));
            }
        } else if (node->is_array()) {
            for (std::size_t i = 0; i < node->size(); ++i)
                todo.emplace_back(&(*node)[i], pointer + "/" + std::to_string(i));
        }
    }
    return std::nullopt;
}

Error not_found(std::string_view what, std::string_view id) {
    return Error(ErrorKind::kNotFound, "no " + std::string(what) + " with id " + std::string(id));
}

ProblemError bad_query(const std::string& name, std::string message) {
    return ProblemError(ErrorKind::kInvalidInput, "invalid query parameter " + name,
                        {{"?" + name, std::move(message)}});
}

json json_body(const net::Request& req, const json& when_empty) {
    if (req.body.empty()) return when_empty;
    std::string type = req.get_header_value("Content-Type");
    std::string media = type.substr(0, type.find(';'));
    while (!media.empty() && media.back() == ' ') media.pop_back();
    for (auto& c : media) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (media != "application/json" &&
        !(media.starts_with("application/") && media.ends_with("+json")))
        throw HttpError(415, "the body must be JSON with Content-Type: application/json");
    if (nesting_depth(req.body, kMaxJsonDepth) > kMaxJsonDepth)
        throw Error(ErrorKind::kInvalidInput,
                    "the body is nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded()) throw Error(ErrorKind::kInvalidInput, "the body is not valid JSON");
    if (auto pointer = find_nul(body)) {
        for (char& c : *pointer)
            if (c == '\0') c = '?';
        throw ProblemError(ErrorKind::kInvalidInput, "the body holds a string with U+0000",
                           {{*pointer, "must not contain the character U+0000"}});
    }
    return body;
}

void reply_json(net::Response& res, int status, const json& body) {
    res.status = status;
    res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void reply_problem(net::Response& res, const Problem& problem) {
    res.status = problem.status;
    if (problem.status == 401) res.set_header("WWW-Authenticate", kWwwAuthenticate);
    res.set_content(problem.to_json().dump(-1, ' ', false, json::error_handler_t::replace),
                    "application/problem+json");
}

TriggerId trigger_id_param(const net::Request& req, std::size_t match_index,
                           std::string_view what) {
    std::string text = req.matches[match_index];
    auto id = TriggerId::parse(text);
    if (!id) throw not_found(what, text);
    return *id;
}

std::int64_t query_int(const net::Request& req, const std::string& name, std::int64_t fallback,
                       std::int64_t min, std::int64_t max) {
    if (!req.has_param(name.c_str())) return fallback;
    std::string text = req.get_param_value(name.c_str());
    std::int64_t value = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (text.empty() || ec != std::errc{} || ptr != text.data() + text.size() || value < min ||
        value > max)
        throw bad_query(
            name, "must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
    return value;
}

std::optional<bool> query_bool(const net::Request& req, const std::string& name) {
    if (!req.has_param(name.c_str())) return std::nullopt;
    std::string text = req.get_param_value(name.c_str());
    if (text == "true") return true;
    if (text == "false") return false;
    throw bad_query(name, "must be true or false");
}

std::optional<std::string> query_text(const net::Request& req, const std::string& name) {
    if (!req.has_param(name.c_str())) return std::nullopt;
    return req.get_param_value(name.c_str());
}

std::string entity_tag(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

bool if_match_allows(const net::Request& req, std::int64_t version) {
    if (!req.has_header("If-Match")) return true;
    const std::string header = req.get_header_value("If-Match");
    auto malformed = [] {
        return ProblemError(ErrorKind::kInvalidInput, "invalid If-Match header",
                            {{"If-Match",
                              "must be * or a comma-separated list of entity tags such as "
                              "\"7\" (the ETag of a read)"}});
    };
    const std::string wanted = entity_tag(version);
    bool matches = false;
    bool any = false;
    std::size_t at = 0;
    auto skip_space = [&] {
        while (at < header.size() && (header[at] == ' ' || header[at] == '\t')) ++at;
    };
    for (;;) {
        skip_space();
        if (at == header.size()) break;
        if (header[at] == ',') {  // empty list elements are allowed (RFC 9110 5.6.1)
            ++at;
            continue;
        }
        if (header.compare(at, 1, "*") == 0) {
            matches = true;
            ++at;
        } else {
            bool weak = header.compare(at, 2, "W/") == 0;
            if (weak) at += 2;
            if (at >= header.size() || header[at] != '"') throw malformed();
            std::size_t close = header.find('"', at + 1);
            if (close == std::string::npos) throw malformed();
            if (!weak && header.compare(at, close + 1 - at, wanted) == 0) matches = true;
            at = close + 1;
        }
        any = true;
        skip_space();
        if (at < header.size() && header[at] != ',') throw malformed();
    }
    if (!any) throw malformed();
    return matches;
}

}  // namespace etp::gateway
