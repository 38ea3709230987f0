#include "etp/domain/filter_pattern.hpp"

#include <cctype>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "etp/domain/error.hpp"
#include "etp/domain/json_reader.hpp"

namespace etp {

using nlohmann::json;

struct FilterPattern::Node {
    struct Matcher {
        enum class Kind {
            kEquals,
            kPrefix,
            kSuffix,
            kEqualsIgnoreCase,
            kExists,
            kNumeric,
            kAnythingBut,
            kAnythingButPrefix,
            kAnythingButSuffix,
        };
        Kind kind = Kind::kEquals;
        json value;        // kEquals
        std::string text;  // prefix, suffix; lower-cased for kEqualsIgnoreCase
        bool exists = false;
        std::optional<double> lower;  // kNumeric
        std::optional<double> upper;
        bool lower_inclusive = false;
        bool upper_inclusive = false;
        std::vector<json> excluded;  // kAnythingBut
    };
    struct Field {
        std::string key;
        std::unique_ptr<Node> nested;       // set for a nested pattern
        std::vector<Matcher> alternatives;  // otherwise
    };

    std::vector<Field> fields;
    json source;  // the pattern as given; root only
};

namespace {

using Node = FilterPattern::Node;
using Matcher = Node::Matcher;
using Kind = Matcher::Kind;

constexpr std::size_t kMaxDepth = 10;
constexpr std::size_t kMaxAlternatives = 100;
constexpr std::size_t kMaxString = 1024;

const char* const kFieldShape =
    "must be an object (a nested pattern) or a non-empty array of values and matchers";
const char* const kMatcherNames =
    "prefix, suffix, equals-ignore-case, exists, numeric, anything-but";

std::string lower(std::string_view text) {
    std::string out(text);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

bool is_scalar(const json& value) { return !value.is_object() && !value.is_array(); }

class Parser {
 public:
    explicit Parser(std::vector<FieldError>& errors) : errors_(errors) {}

    std::size_t alternatives() const noexcept { return alternatives_; }

    void parse_object(const json& object, const std::string& pointer, std::size_t depth,
                      Node& node) {
        for (const auto& [key, value] : object.items()) {
            std::string at = pointer + "/" + detail::pointer_token(key);
            if (key.size() > kMaxString) {
                fail(at, "field name must be at most 1024 characters long");
                continue;
            }
            Node::Field field;
            field.key = key;
            if (value.is_object()) {
                if (value.empty()) {
                    fail(at, kFieldShape);
                } else if (depth >= kMaxDepth) {
                    fail(at, "is nested deeper than 10 levels");
                } else {
                    field.nested = std::make_unique<Node>();
                    parse_object(value, at, depth + 1, *field.nested);
                }
            } else if (value.is_array() && !value.empty()) {
                alternatives_ += value.size();
                for (std::size_t i = 0; i < value.size(); ++i)
                    parse_alternative(value[i], at + "/" + std::to_string(i), field.alternatives);
            } else {
                fail(at, kFieldShape);
            }
            node.fields.push_back(std::move(field));
        }
    }

 private:
    void fail(const std::string& pointer, std::string message) {
        errors_.push_back({pointer, std::move(message)});
    }

    // A string no longer than the limit, or an error at `pointer`.
    std::optional<std::string> short_string(const json& value, const std::string& pointer) {
        if (!value.is_string()) {
            fail(pointer, "must be a string");
            return std::nullopt;
        }
        const auto& text = value.get_ref<const std::string&>();
        if (text.size() > kMaxString) {
            fail(pointer, "must be at most 1024 characters long");
            return std::nullopt;
        }
        return text;
    }

    // A scalar usable for equality; strings are length-checked.
    bool valid_scalar(const json& value, const std::string& pointer) {
        if (value.is_string()) return short_string(value, pointer).has_value();
        if (value.is_number_float() && !std::isfinite(value.get<double>())) {
            fail(pointer, "must be a finite number");
            return false;
        }
        return true;
    }

    void parse_alternative(const json& alt, const std::string& pointer, std::vector<Matcher>& out) {
        if (is_scalar(alt)) {
            if (!valid_scalar(alt, pointer)) return;
            Matcher m;
            m.value = alt;
            out.push_back(std::move(m));
            return;
        }
        if (alt.is_array() || alt.size() != 1) {
            fail(pointer,
                 "must be a value (string, number, boolean, null) or a matcher object with "
                 "exactly one key: " +
                     std::string(kMatcherNames));
            return;
        }
        const auto only = alt.begin();
        const std::string& name = only.key();
        const json& arg = only.value();
        std::string at = pointer + "/" + detail::pointer_token(name);
        Matcher m;
        if (name == "prefix" || name == "suffix" || name == "equals-ignore-case") {
            auto text = short_string(arg, at);
            if (!text) return;
            m.kind = name == "prefix"   ? Kind::kPrefix
                     : name == "suffix" ? Kind::kSuffix
                                        : Kind::kEqualsIgnoreCase;
            m.text = m.kind == Kind::kEqualsIgnoreCase ? lower(*text) : *text;
        } else if (name == "exists") {
            if (!arg.is_boolean()) return fail(at, "must be true or false");
            m.kind = Kind::kExists;
            m.exists = arg.get<bool>();
        } else if (name == "numeric") {
            if (!parse_numeric(arg, at, m)) return;
        } else if (name == "anything-but") {
            if (!parse_anything_but(arg, at, m)) return;
        } else {
            return fail(at, "unknown matcher; use one of " + std::string(kMatcherNames));
        }
        out.push_back(std::move(m));
    }

    // One of < <= = > >=, or an error at `pointer`.
    std::optional<std::string> numeric_operator(const json& op, const std::string& pointer) {
        if (op.is_string()) {
            const auto& s = op.get_ref<const std::string&>();
            if (s == "<" || s == "<=" || s == "=" || s == ">" || s == ">=") return s;
        }
        fail(pointer, "must be one of <, <=, =, >, >=");
        return std::nullopt;
    }

    std::optional<double> numeric_operand(const json& value, const std::string& pointer) {
        if (value.is_number() && std::isfinite(value.get<double>())) return value.get<double>();
        fail(pointer, "must be a number");
        return std::nullopt;
    }

    bool parse_numeric(const json& arg, const std::string& pointer, Matcher& m) {
        if (!arg.is_array() || (arg.size() != 2 && arg.size() != 4)) {
            fail(
                pointer,
                "must be [operator, number] or [\">\" or \">=\", number, \"<\" or \"<=\", number]");
            return false;
        }
        m.kind = Kind::kNumeric;
        auto op = numeric_operator(arg[0], pointer + "/0");
        auto number = numeric_operand(arg[1], pointer + "/1");
        if (arg.size() == 2) {
            if (!op || !number) return false;
            if (*op != "<" && *op != "<=") m.lower = *number;
            if (*op != ">" && *op != ">=") m.upper = *number;
            m.lower_inclusive = *op == ">=" || *op == "=";
            m.upper_inclusive = *op == "<=" || *op == "=";
            return true;
        }
        bool ok = op && number;
        if (op && *op != ">" && *op != ">=") {
            fail(pointer + "/0", "must be > or >= (the lower bound of a range)");
            ok = false;
        }
        auto op2 = numeric_operator(arg[2], pointer + "/2");
        auto number2 = numeric_operand(arg[3], pointer + "/3");
        ok = ok && op2 && number2;
        if (op2 && *op2 != "<" && *op2 != "<=") {
            fail(pointer + "/2", "must be < or <= (the upper bound of a range)");
            ok = false;
        }
        if (!ok) return false;
        m.lower = *number;
        m.upper = *number2;
        m.lower_inclusive = *op == ">=";
        m.upper_inclusive = *op2 == "<=";
        if (*m.lower > *m.upper ||
            (*m.lower == *m.upper && !(m.lower_inclusive && m.upper_inclusive))) {
            fail(pointer, "is an empty range: the lower bound must be below the upper bound");
            return false;
        }
        return true;
    }

    bool parse_anything_but(const json& arg, const std::string& pointer, Matcher& m) {
        m.kind = Kind::kAnythingBut;
        if (is_scalar(arg)) {
            if (!valid_scalar(arg, pointer)) return false;
            m.excluded.push_back(arg);
            return true;
        }
        if (arg.is_array()) {
            if (arg.empty()) {
                fail(pointer, "must not be an empty array");
                return false;
            }
            bool ok = true;
            for (std::size_t i = 0; i < arg.size(); ++i) {
                std::string at = pointer + "/" + std::to_string(i);
                if (!is_scalar(arg[i])) {
                    fail(at, "must be a string, number, boolean or null");
                    ok = false;
                } else if (valid_scalar(arg[i], at)) {
                    m.excluded.push_back(arg[i]);
                } else {
                    ok = false;
                }
            }
            return ok;
        }
        if (arg.size() != 1) {
            fail(pointer,
                 "must be a value, an array of values, {\"prefix\": \"...\"} or "
                 "{\"suffix\": \"...\"}");
            return false;
        }
        const auto only = arg.begin();
        const std::string& name = only.key();
        const json& text = only.value();
        std::string at = pointer + "/" + detail::pointer_token(name);
        if (name != "prefix" && name != "suffix") {
            fail(at, "unknown matcher; anything-but takes prefix or suffix");
            return false;
        }
        auto s = short_string(text, at);
        if (!s) return false;
        m.kind = name == "prefix" ? Kind::kAnythingButPrefix : Kind::kAnythingButSuffix;
        m.text = *s;
        return true;
    }

    std::vector<FieldError>& errors_;
    std::size_t alternatives_ = 0;
};

// Calls `pred` on each leaf of `value` (see the header) until it returns true. Iterative, so a
// document with deeply nested arrays cannot exhaust the stack.
template <typename Pred>
bool any_leaf(const json* value, Pred pred) {
    if (value == nullptr || value->is_object()) return false;
    if (!value->is_array()) return pred(*value);
    std::vector<std::pair<const json*, std::size_t>> stack{{value, 0}};
    while (!stack.empty()) {
        auto& [array, index] = stack.back();
        if (index == array->size()) {
            stack.pop_back();
            continue;
        }
        const json& element = (*array)[index++];
        if (element.is_array())
            stack.emplace_back(&element, 0);
        else if (!element.is_object() && pred(element))
            return true;
    }
    return false;
}

bool starts_with(const json& leaf, const std::string& text) {
    return leaf.is_string() && leaf.get_ref<const std::string&>().starts_with(text);
}

bool ends_with(const json& leaf, const std::string& text) {
    return leaf.is_string() && leaf.get_ref<const std::string&>().ends_with(text);
}

bool in_range(const Matcher& m, double x) {
    if (m.lower && (m.lower_inclusive ? x < *m.lower : x <= *m.lower)) return false;
    if (m.upper && (m.upper_inclusive ? x > *m.upper : x >= *m.upper)) return false;
    return true;
}

// `value` is the document's value of the field, nullptr when absent.
bool matches_alternative(const Matcher& m, const json* value) {
    switch (m.kind) {
        case Kind::kEquals:
            return any_leaf(value, [&](const json& leaf) { return leaf == m.value; });
        case Kind::kPrefix:
            return any_leaf(value, [&](const json& leaf) { return starts_with(leaf, m.text); });
        case Kind::kSuffix:
            return any_leaf(value, [&](const json& leaf) { return ends_with(leaf, m.text); });
        case Kind::kEqualsIgnoreCase:
            return any_leaf(value, [&](const json& leaf) {
                return leaf.is_string() && lower(leaf.get_ref<const std::string&>()) == m.text;
            });
        case Kind::kExists:
            return m.exists == any_leaf(value, [](const json& leaf) { return !leaf.is_null(); });
        case Kind::kNumeric:
            return any_leaf(value, [&](const json& leaf) {
                return leaf.is_number() && in_range(m, leaf.get<double>());
            });
        case Kind::kAnythingBut:
            return any_leaf(value, [&](const json& leaf) {
                for (const json& excluded : m.excluded)
                    if (leaf == excluded) return false;
                return true;
            });
        case Kind::kAnythingButPrefix:
            return any_leaf(value, [&](const json& leaf) {
                return leaf.is_string() && !starts_with(leaf, m.text);
            });
        case Kind::kAnythingButSuffix:
            return any_leaf(value, [&](const json& leaf) {
                return leaf.is_string() && !ends_with(leaf, m.text);
            });
    }
    return false;
}

bool matches_node(const Node& node, const json* value);

// `object` is an object, or nullptr when every field is absent.
bool matches_fields(const Node& node, const json* object) {
    for (const Node::Field& field : node.fields) {
        const json* child = nullptr;
        if (object != nullptr) {
            auto it = object->find(field.key);
            if (it != object->end()) child = &*it;
        }
        if (field.nested) {
            if (!matches_node(*field.nested, child)) return false;
            continue;
        }
        bool any = false;
        for (const Matcher& m : field.alternatives) {
            if (matches_alternative(m, child)) {
                any = true;
                break;
            }
        }
        if (!any) return false;
    }
    return true;
}

bool matches_node(const Node& node, const json* value) {
    if (value != nullptr && value->is_object()) return matches_fields(node, value);
    if (value != nullptr && value->is_array()) {
        bool any_object = false;
        for (const json& element : *value) {
            if (!element.is_object()) continue;
            any_object = true;
            if (matches_fields(node, &element)) return true;
        }
        if (any_object) return false;
    }
    return matches_fields(node, nullptr);
}

}  // namespace

FilterPattern FilterPattern::parse(const json& pattern, const std::string& pointer) {
    std::vector<FieldError> errors;
    if (!pattern.is_object())
        throw ValidationError({{pointer, "must be a JSON object (an event pattern)"}});
    auto root = std::make_shared<Node>();
    Parser parser(errors);
    parser.parse_object(pattern, pointer, 1, *root);
    if (parser.alternatives() > kMaxAlternatives)
        errors.push_back({pointer, "has " + std::to_string(parser.alternatives()) +
                                       " alternatives; at most 100 are allowed"});
    if (!errors.empty()) throw ValidationError(std::move(errors));
    root->source = pattern;
    return FilterPattern(std::move(root));
}

bool FilterPattern::matches(const json& document) const {
    return matches_fields(*root_, document.is_object() ? &document : nullptr);
}

const json& FilterPattern::pattern() const noexcept { return root_->source; }

}  // namespace etp
