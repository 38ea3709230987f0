#pragma once
// What the fuzz targets share: a property check that libFuzzer records as a crash (with the
// input saved) when it does not hold.

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>
#include <string_view>

#include "etp/domain/json_reader.hpp"

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
    if (detail::nesting_depth(text, detail::kMaxJsonDepth) > detail::kMaxJsonDepth)
        return std::nullopt;
    nlohmann::json json = nlohmann::json::parse(text, nullptr, false);
    if (json.is_discarded()) return std::nullopt;
    return json;
}

}  // namespace etp::fuzz
