#pragma once
// EventBridge-style content filters over a JSON document (a cdc change, a payload). Immutable
// after parse(): thread-safe to copy, share and match from many threads; never blocks.
//
// Grammar: the pattern is an object; each key maps to a nested object (descend into that field)
// or to a non-empty array of alternatives. An alternative is a scalar (string, number, boolean,
// null: equality; numbers compare by value, so 1 matches 1.0) or a matcher object with exactly
// one key:
//   {"prefix": "s"}  {"suffix": "s"}  {"equals-ignore-case": "s"} (ASCII case folding)
//   {"exists": true|false}
//   {"numeric": [op, n]} or {"numeric": [">"|">=", n, "<"|"<=", m]}, op one of < <= = > >=
//   {"anything-but": scalar | [scalars] | {"prefix": "s"} | {"suffix": "s"}}
// Fields AND, alternatives OR. Limits: nesting depth 10, 100 alternatives in total, strings
// (values and keys) up to 1024 characters.
//
// Matching a field's value v (absent when the document lacks the field):
// - v's leaves are v itself when v is a scalar, or the scalar elements of v when v is an array
//   (arrays nest: [[1], 2] has leaves 1 and 2); an object has no leaves. An alternative matches
//   when any leaf matches it.
// - prefix, suffix and equals-ignore-case match string leaves only; numeric matches number
//   leaves only (never strings or booleans).
// - {"exists": true} matches when v has a non-null leaf; {"exists": false} matches exactly when
//   exists:true does not (absent, null, an object, an empty array). Like EventBridge, exists
//   only looks at leaves, not at intermediate objects.
// - An absent field matches nothing but {"exists": false}; in particular anything-but does not
//   match an absent field. anything-but matches a leaf (null included) that is none of the
//   listed values; anything-but prefix/suffix match string leaves without that prefix/suffix.
// - A nested pattern descends into an object; into each element of an array of objects (any
//   element may match); against anything else, all of its fields are absent.

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

namespace etp {

class FilterPattern {
 public:
    // Throws ValidationError listing every problem, each located by `pointer` (where the pattern
    // sits in the request, e.g. "/cdc/filter") followed by the path inside the pattern.
    static FilterPattern parse(const nlohmann::json& pattern, const std::string& pointer = "");

    // True when `document` matches. A document that is not an object has no fields.
    bool matches(const nlohmann::json& document) const;

    const nlohmann::json& pattern() const noexcept;  // as given to parse()

    struct Node;  // the parsed pattern (defined in filter_pattern.cpp)

 private:
    explicit FilterPattern(std::shared_ptr<const Node> root) : root_(std::move(root)) {}

    std::shared_ptr<const Node> root_;
};

}  // namespace etp
