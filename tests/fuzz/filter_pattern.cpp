// FilterPattern::parse and matches. The input is a JSON array: [pattern, document, ...].
// Properties: parsing throws nothing but ValidationError; matching is deterministic and the
// same for the pattern parsed again from its own text; and, from the documented semantics, for
// each scalar field f = v of a document: {f: [v]} matches, {f: [{"anything-but": v}]} does
// not, a string matches its own prefix, suffix and equals-ignore-case, a finite number matches
// {"numeric": ["=", v]}; and {f: [{"exists": true}]} matches exactly when exists:false does not.

#include <cmath>
#include <cstddef>
#include <string>

#include "etp/domain/error.hpp"
#include "etp/domain/filter_pattern.hpp"
#include "fuzz_check.hpp"

using etp::FilterPattern;
using etp::fuzz::check;
using nlohmann::json;

namespace {

bool matches(const json& pattern, const json& document) {
    return FilterPattern::parse(pattern).matches(document);
}

void check_field(const std::string& key, const json& value, const json& document) {
    check(matches(json{{key, {{{"exists", true}}}}}, document) !=
              matches(json{{key, {{{"exists", false}}}}}, document),
          "filter: exists true and false agree");
    if (value.is_object() || value.is_array()) return;
    if (value.is_string() && value.get_ref<const std::string&>().size() > 1024) return;
    if (value.is_number() && !std::isfinite(value.get<double>())) return;
    check(matches(json{{key, {value}}}, document), "filter: a value does not match itself");
    check(!matches(json{{key, {{{"anything-but", value}}}}}, document),
          "filter: anything-but matches the value it excludes");
    if (value.is_string()) {
        check(matches(json{{key, {{{"prefix", value}}}}}, document),
              "filter: a string does not match its own prefix");
        check(matches(json{{key, {{{"suffix", value}}}}}, document),
              "filter: a string does not match its own suffix");
        check(matches(json{{key, {{{"equals-ignore-case", value}}}}}, document),
              "filter: a string does not match itself ignoring case");
    }
    if (value.is_number())
        check(matches(json{{key, {{{"numeric", {"=", value}}}}}}, document),
              "filter: a number is not numerically equal to itself");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const unsigned char* data, std::size_t size) {
    auto input = etp::fuzz::json_of(etp::fuzz::text_of(data, size));
    if (!input || !input->is_array() || input->size() < 2) return 0;
    const json& pattern_json = (*input)[0];
    std::optional<FilterPattern> pattern;
    try {
        pattern = FilterPattern::parse(pattern_json, "/filter");
    } catch (const etp::ValidationError&) {
        return 0;
    }
    const FilterPattern again = FilterPattern::parse(json::parse(pattern->pattern().dump()));
    for (std::size_t i = 1; i < input->size(); ++i) {
        const json& document = (*input)[i];
        const bool first = pattern->matches(document);
        check(pattern->matches(document) == first, "filter: matching twice differs");
        check(again.matches(document) == first, "filter: the re-parsed pattern differs");
        if (!document.is_object()) continue;
        for (const auto& [key, value] : document.items())
            if (key.size() <= 1024) check_field(key, value, document);
    }
    return 0;
}
