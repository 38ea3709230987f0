#include "etp/net/message.hpp"

#include <cctype>

namespace etp::net {

const std::string& Matches::operator[](std::size_t i) const noexcept {
    static const std::string kEmpty;
    return i < groups_.size() ? groups_[i] : kEmpty;
}

bool iequals(std::string_view a, std::string_view b) noexcept {
    if (a.size() != b.size()) return false;
    for (std::size_t i = 0; i < a.size(); ++i) {
        if (std::tolower(static_cast<unsigned char>(a[i])) !=
            std::tolower(static_cast<unsigned char>(b[i])))
            return false;
    }
    return true;
}

std::string ascii_lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

namespace {

const std::pair<std::string, std::string>* find(
    const std::vector<std::pair<std::string, std::string>>& list, std::string_view name,
    bool case_insensitive) {
    for (const auto& entry : list) {
        if (case_insensitive ? iequals(entry.first, name) : entry.first == name) return &entry;
    }
    return nullptr;
}

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

bool Request::has_header(std::string_view name) const noexcept {
    return find(headers, name, true) != nullptr;
}

std::string Request::get_header_value(std::string_view name) const {
    const auto* entry = find(headers, name, true);
    return entry ? entry->second : std::string();
}

bool Request::has_param(std::string_view name) const noexcept {
    return find(params, name, false) != nullptr;
}

std::string Request::get_param_value(std::string_view name) const {
    const auto* entry = find(params, name, false);
    return entry ? entry->second : std::string();
}

void Response::set_header(std::string_view name, std::string_view value) {
    for (auto& entry : headers) {
        if (iequals(entry.first, name)) {
            entry.second = std::string(value);
            return;
        }
    }
    headers.emplace_back(std::string(name), std::string(value));
}

void Response::set_content(std::string body_text, std::string_view content_type) {
    body = std::move(body_text);
    set_header("Content-Type", content_type);
}

std::string Response::get_header_value(std::string_view name) const {
    const auto* entry = find(headers, name, true);
    return entry ? entry->second : std::string();
}

std::string percent_decode(std::string_view text, bool plus_as_space) {
    std::string out;
    out.reserve(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%' && i + 2 < text.size()) {
            int hi = hex_value(text[i + 1]);
            int lo = hex_value(text[i + 2]);
            if (hi >= 0 && lo >= 0) {
                out.push_back(static_cast<char>(hi * 16 + lo));
                i += 2;
                continue;
            }
        }
        out.push_back(plus_as_space && c == '+' ? ' ' : c);
    }
    return out;
}

std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query) {
    std::vector<std::pair<std::string, std::string>> out;
    while (!query.empty()) {
        std::size_t amp = query.find('&');
        std::string_view part = query.substr(0, amp);
        query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
        if (part.empty()) continue;
        std::size_t eq = part.find('=');
        std::string_view key = part.substr(0, eq);
        std::string_view value =
            eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
        out.emplace_back(percent_decode(key, true), percent_decode(value, true));
    }
    return out;
}

std::string_view status_title(int status) noexcept {
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
        case 408:
            return "Request Timeout";
        case 409:
            return "Conflict";
        case 411:
            return "Length Required";
        case 413:
            return "Content Too Large";
        case 414:
            return "URI Too Long";
        case 415:
            return "Unsupported Media Type";
        case 416:
            return "Range Not Satisfiable";
        case 422:
            return "Unprocessable Content";
        case 431:
            return "Request Header Fields Too Large";
        case 500:
            return "Internal Server Error";
        case 503:
            return "Service Unavailable";
        default:
            return status < 500 ? "Client Error" : "Server Error";
    }
}

}  // namespace etp::net
