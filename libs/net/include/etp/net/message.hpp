#pragma once
// The server's view of one HTTP/1.1 exchange: a parsed Request (decoded path, regex groups of
// the route, percent-decoded query parameters, headers, the whole body) and the Response a
// handler fills in. Plain values: not thread-safe, owned by the connection that made them.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace etp::net {

// The groups of the route's regex over the decoded path; [0] is the whole path.
class Matches {
 public:
    Matches() = default;
    explicit Matches(std::vector<std::string> groups) : groups_(std::move(groups)) {}
    // Out of range gives an empty string, like an unmatched group.
    const std::string& operator[](std::size_t i) const noexcept;
    std::string str(std::size_t i) const { return (*this)[i]; }
    std::size_t size() const noexcept { return groups_.size(); }

 private:
    std::vector<std::string> groups_;
};

struct Request {
    std::string method;  // as sent: "GET", "POST", ...; HEAD reaches GET routes as "HEAD"
    std::string target;  // as sent, with the query
    std::string path;    // percent-decoded ('+' stays '+')
    std::vector<std::pair<std::string, std::string>> headers;  // in arrival order
    // Decoded ('%XX' and '+' as a space), in arrival order; a key may repeat.
    std::vector<std::pair<std::string, std::string>> params;
    std::string body;
    Matches matches;
    std::string remote_address;

    // Header names compare case-insensitively; the first of repeated headers wins.
    bool has_header(std::string_view name) const noexcept;
    std::string get_header_value(std::string_view name) const;
    bool has_param(std::string_view name) const noexcept;
    std::string get_param_value(std::string_view name) const;  // "" when absent
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;

    // Replaces a header of the same name (case-insensitively).
    void set_header(std::string_view name, std::string_view value);
    void set_content(std::string body_text, std::string_view content_type);
    void set_content(const char* data, std::size_t size, std::string_view content_type) {
        set_content(std::string(data, size), content_type);
    }
    std::string get_header_value(std::string_view name) const;
};

// Percent-decoding: `plus_as_space` for query components (application/x-www-form-urlencoded).
// A '%' not followed by two hex digits stays as it is.
std::string percent_decode(std::string_view text, bool plus_as_space);
// "a=1&b=x+y" into pairs, each side decoded with '+' as a space.
std::vector<std::pair<std::string, std::string>> parse_query(std::string_view query);
// ASCII case: header names, URL schemes and host names.
bool iequals(std::string_view a, std::string_view b) noexcept;
std::string ascii_lower(std::string_view text);
// The reason phrase of a status ("Not Found"); "Client Error" or "Server Error" for others.
std::string_view status_title(int status) noexcept;

}  // namespace etp::net
