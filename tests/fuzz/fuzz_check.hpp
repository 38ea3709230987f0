#pragma once
// What the fuzz targets share: a property check that libFuzzer records as a crash (with the
// input saved) when it does not hold.

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

namespace etp::fuzz {

// Aborts with `what` when `ok` is false; libFuzzer's abort handler saves the input.
inline void check(bool ok, const char* what) {
    if (ok) return;
    std::fprintf(stderr, "property violated: %s\n", what);
    std::abort();
}

inline std::string_view text_of(const unsigned char* data, std::size_t size) {
    return {reinterpret_cast<const char*>(data), size};
}

// The input as JSON the way the gateway takes a request body: nested at most 64 levels, valid
// JSON. nullopt otherwise (the gateway answers 400 without parsing further).
inline std::optional<nlohmann::json> json_of(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
        } else if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > 64) return std::nullopt;
        } else if (c == ']' || c == '}') {
            --depth;
        }
    }
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return json;
}

}  // namespace etp::fuzz
