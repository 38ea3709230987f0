#include "etp/domain/payload_schema.hpp"

// valijson reports problems by exception only when VALIJSON_USE_EXCEPTIONS is set (the
// CMakeLists does it for the whole library); without it, a bad schema calls abort().
#if !VALIJSON_USE_EXCEPTIONS
#error "valijson must be built with VALIJSON_USE_EXCEPTIONS=1"
#endif

#include <valijson/adapters/nlohmann_json_adapter.hpp>
#include <valijson/constraint_builder.hpp>
#include <valijson/constraints/concrete_constraints.hpp>
#include <valijson/schema.hpp>
#include <valijson/schema_parser.hpp>
#include <valijson/validation_results.hpp>
#include <valijson/validation_visitor.hpp>

#include <algorithm>
#include <cctype>
#include <locale>
#include <map>
#include <memory>
#include <new>
#include <optional>
#include <regex>
#include <set>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "etp/domain/json_reader.hpp"

namespace etp {

using nlohmann::json;

using RegexCache = std::unordered_map<std::string, std::regex>;

struct PayloadSchema::Impl {
    json source;      // as given
    json for_parser;  // what valijson parsed (see SchemaCheck::prepared); outlives `schema`
    valijson::Schema schema;
    // Every `pattern`, compiled for valijson's regex cache (see validate()). Read-only.
    RegexCache patterns;
    bool has_pattern_properties = false;
};

namespace {

constexpr std::size_t kMaxSchemaDepth = 64;
constexpr std::size_t kMaxPayloadDepth = 128;
// Longest property name checked against `patternProperties` (see validate()).
constexpr std::size_t kMaxPatternPropertyName = 256;
// Longest string checked against a date/time `format`: valid ones are far shorter.
constexpr std::size_t kMaxFormatLength = 64;
// valijson records every violation it finds (one or two per item of a long array, each with
// its path) before it returns; it is stopped once it has recorded this many (see StopCollecting).
constexpr std::size_t kMaxRecordedViolations = 1000;
// Repeated items one `uniqueItems` array lists (then one entry counts the rest).
constexpr std::size_t kMaxUniqueItemsReports = 10;
// `uniqueItems: true` becomes this keyword, checked by UniqueItems below instead of valijson's
// pairwise comparison (quadratic in the array's length, one error per equal pair).
constexpr const char* kUniqueItemsKeyword = "x-etp-unique-items";
// Added to every schema object: checks whether valijson has recorded enough (StopCollecting).
constexpr const char* kStopKeyword = "x-etp-stop-collecting";

// libstdc++'s default regex matcher recurses once per character and overflows the stack on
// long strings (~100k characters for "^[a-z]+$"). Its polynomial mode (an NFA simulation, a GNU
// extension) does not, but refuses back-references.
constexpr auto kSafeRegex = std::regex::ECMAScript | std::regex_constants::__polynomial;

// The problem found by SchemaCheck; becomes the "<what>" of the ValidationError.
struct SchemaProblem {
    std::string what;
};

// Checks what valijson would accept but then crash, loop or fetch on: run before valijson
// parses the schema.
// - `$ref` without a document part resolves in this schema; a relative or remote one makes
//   valijson recurse forever (no fetch function) or would need fetching: refused.
// - schemas that apply to the same value in a loop ({"$ref": "#"}, {"not": {"$ref": "#"}})
//   recurse forever in valijson, while parsing or while validating: refused. Loops through
//   keywords that descend into the value (properties, items, ...) are fine: the payload's
//   depth bounds them.
// - `pattern` / `patternProperties` are compiled with std::regex only while validating, and a
//   bad one throws std::regex_error from there: compile them here.
class SchemaCheck {
 public:
    explicit SchemaCheck(const json& root) : root_(root) {}

    void run() {
        if (const json* version = member(root_, "$schema")) check_version(*version);
        check(root_, "", 0);
        check_loops();
    }

    // Every `pattern` (compiled in polynomial mode), and whether `patternProperties` occur.
    const RegexCache& patterns() const noexcept { return patterns_; }
    bool has_pattern_properties() const noexcept { return has_pattern_properties_; }

    // The schema for valijson. valijson 1.0 reads every value checked against a `format` as a
    // string and throws on anything else (a number, an object), although JSON Schema applies
    // formats to strings only; and it matches formats with recursive regexes that overflow the
    // stack on long strings. So each `format` moves into `allOf` as
    //   {"if": {"type": "string", "maxLength": 64}, "then": {"format": f},
    //    "else": {"if": {"type": "string"}, "then": {"maxLength": 64}}}
    // and formats valijson does not check (all but date, time, date-time) are dropped.
    // `uniqueItems: true` becomes kUniqueItemsKeyword (see UniqueItems), and every schema
    // object gets kStopKeyword (see StopCollecting).
    json prepared() const {
        static const std::set<std::string> kChecked = {"date", "time", "date-time"};
        json copy = root_;
        for (const json* node : order_) {
            json& schema = copy.at(json::json_pointer(where_.at(node)));
            schema.erase(kUniqueItemsKeyword);  // only ever set below
            schema[kStopKeyword] = true;
            if (const json* unique = member(*node, "uniqueItems"); unique && unique->is_boolean()) {
                schema.erase("uniqueItems");
                if (unique->get<bool>()) schema[kUniqueItemsKeyword] = true;
            }
            const json* format = member(*node, "format");
            if (format == nullptr || !format->is_string()) continue;  // valijson reports those
            json short_string = {{"type", "string"}, {"maxLength", kMaxFormatLength}};
            json guarded = {
                {"if", short_string},
                {"then", {{"format", *format}}},
                {"else",
                 {{"if", {{"type", "string"}}}, {"then", {{"maxLength", kMaxFormatLength}}}}}};
            schema.erase("format");
            if (!kChecked.contains(format->get<std::string>())) continue;
            json& all_of = schema["allOf"];  // appended to: "#/.../allOf/n" keeps its target
            if (all_of.is_null()) all_of = json::array();
            if (all_of.is_array()) all_of.push_back(std::move(guarded));
        }
        return copy;
    }

 private:
    // An edge from a schema to one that applies to the same value; `at` locates the keyword.
    struct Edge {
        const json* to;
        std::string at;
    };

    [[noreturn]] static void fail(const std::string& at, const std::string& what) {
        throw SchemaProblem{(at.empty() ? "" : at + ": ") + what};
    }

    static const json* member(const json& node, const char* key) {
        if (!node.is_object()) return nullptr;
        auto it = node.find(key);
        return it == node.end() ? nullptr : &*it;
    }

    static void check_version(const json& version) {
        static const std::set<std::string> kDraft7 = {
            "http://json-schema.org/draft-07/schema#", "http://json-schema.org/draft-07/schema",
            "https://json-schema.org/draft-07/schema#", "https://json-schema.org/draft-07/schema"};
        if (!version.is_string() || !kDraft7.contains(version.get<std::string>()))
            fail("/$schema", "must be http://json-schema.org/draft-07/schema# when given");
    }

    // Compiles a regex in the grammar valijson uses (ECMAScript); in polynomial mode too
    // when it is a `pattern`, which validate() matches that way.
    void check_regex(const std::string& pattern, const std::string& at, bool is_pattern) {
        try {
            std::regex compiled(pattern);
        } catch (const std::regex_error& e) {
            fail(at, "\"" + pattern + "\" is not a valid regular expression (" + e.what() + ")");
        }
        if (!is_pattern || patterns_.contains(pattern)) return;
        try {
            patterns_.emplace(pattern, std::regex(pattern, kSafeRegex));
        } catch (const std::regex_error& e) {
            // libstdc++ reports a back-reference in polynomial mode as error_complexity.
            if (e.code() == std::regex_constants::error_complexity)
                fail(at, "\"" + pattern + "\" uses a back-reference, which is not supported");
            fail(at, "\"" + pattern + "\" cannot be used (" + e.what() + ")");
        }
    }

    static std::string decode_token(const std::string& token) {
        std::string decoded;
        for (std::size_t i = 0; i < token.size(); ++i) {
            if (token[i] == '~' && i + 1 < token.size() &&
                (token[i + 1] == '0' || token[i + 1] == '1')) {
                decoded.push_back(token[++i] == '0' ? '~' : '/');
            } else if (token[i] == '%' && i + 2 < token.size() &&
                       std::isxdigit(static_cast<unsigned char>(token[i + 1])) &&
                       std::isxdigit(static_cast<unsigned char>(token[i + 2]))) {
                decoded.push_back(
                    static_cast<char>(std::stoi(token.substr(i + 1, 2), nullptr, 16)));
                i += 2;
            } else {
                decoded.push_back(token[i]);
            }
        }
        return decoded;
    }

    // The node a local reference ("#/a/b") points to and its JSON pointer, resolved as valijson
    // does (trailing slashes dropped, RFC 6901 escapes, then %-escapes); nullptr when none.
    std::pair<const json*, std::string> resolve(const std::string& ref,
                                                const std::string& at) const {
        std::string pointer = ref.substr(1);
        while (!pointer.empty() && pointer.back() == '/') pointer.pop_back();
        if (!pointer.empty() && pointer[0] != '/')
            fail(at, "\"" + ref + "\" is not a JSON pointer reference such as \"#/definitions/x\"");
        const json* node = &root_;
        std::string canonical;
        std::size_t pos = 0;
        while (pos < pointer.size()) {
            std::size_t end = pointer.find('/', pos + 1);
            if (end == std::string::npos) end = pointer.size();
            std::string token = decode_token(pointer.substr(pos + 1, end - pos - 1));
            pos = end;
            if (node->is_object()) {
                auto it = node->find(token);
                if (it == node->end()) return {nullptr, ""};
                node = &*it;
            } else if (node->is_array()) {
                if (token.empty() || token.size() > 9 ||
                    !std::all_of(token.begin(), token.end(),
                                 [](char c) { return c >= '0' && c <= '9'; }))
                    return {nullptr, ""};
                std::size_t index = std::stoul(token);
                if (index >= node->size()) return {nullptr, ""};
                node = &(*node)[index];
                token = std::to_string(index);
            } else {
                return {nullptr, ""};
            }
            canonical += "/" + detail::pointer_token(token);
        }
        return {node, canonical};
    }

    // The target of a `$ref`, or nullptr when valijson reports the problem itself.
    const json* check_ref(const json& ref, const std::string& at, std::size_t depth) {
        if (!ref.is_string()) return nullptr;
        const auto& text = ref.get_ref<const std::string&>();
        if (text.empty() || text[0] != '#')
            fail(at, "\"" + text +
                         "\" refers to another document; only references into this schema "
                         "(\"#\", \"#/definitions/x\") are allowed, nothing is fetched");
        auto [target, where] = resolve(text, at);
        if (target == nullptr) fail(at, "\"" + text + "\" points to nothing in this schema");
        // The target may sit outside the keywords walked below ("#/x/y"): check it too, located
        // where it is.
        check(*target, where, depth + 1);
        return target;
    }

    void check_each_member(const json& node, const std::string& at, std::size_t depth) {
        if (!node.is_object()) return;
        for (const auto& [key, child] : node.items())
            check(child, at + "/" + detail::pointer_token(key), depth + 1);
    }

    void check_each_element(const json& node, const std::string& at, std::size_t depth) {
        if (!node.is_array()) return;
        for (std::size_t i = 0; i < node.size(); ++i)
            check(node[i], at + "/" + std::to_string(i), depth + 1);
    }

    void add_edge(std::vector<Edge>& edges, const json& to, const std::string& at) {
        if (to.is_object()) edges.push_back({&to, at});
    }

    // Walks a schema and every subschema in the draft 7 keywords that hold them.
    void check(const json& node, const std::string& at, std::size_t depth) {
        if (!node.is_object()) return;
        if (!where_.emplace(&node, at).second) return;
        order_.push_back(&node);
        if (depth > kMaxSchemaDepth) fail(at, "is nested more than 64 levels deep");
        std::vector<Edge> same_value;  // schemas checked against the same value as this one
        const json* ref_target = nullptr;
        for (const auto& [key, value] : node.items()) {
            std::string here = at + "/" + detail::pointer_token(key);
            if (key == "$ref") {
                ref_target = check_ref(value, here, depth);
                if (ref_target != nullptr) add_edge(same_value, *ref_target, here);
            } else if (key == "pattern") {
                if (value.is_string()) check_regex(value.get<std::string>(), here, true);
            } else if (key == "patternProperties") {
                if (!value.is_object()) continue;
                has_pattern_properties_ = has_pattern_properties_ || !value.empty();
                for (const auto& [regex, child] : value.items()) {
                    std::string child_at = here + "/" + detail::pointer_token(regex);
                    check_regex(regex, child_at, false);
                    check(child, child_at, depth + 1);
                }
            } else if (key == "properties" || key == "definitions") {
                check_each_member(value, here, depth);
            } else if (key == "dependencies") {
                check_each_member(value, here, depth);
                if (value.is_object())
                    for (const auto& [name, child] : value.items())
                        add_edge(same_value, child, here + "/" + detail::pointer_token(name));
            } else if (key == "items") {
                check(value, here, depth + 1);
                check_each_element(value, here, depth);
            } else if (key == "allOf" || key == "anyOf" || key == "oneOf") {
                check_each_element(value, here, depth);
                if (value.is_array())
                    for (std::size_t i = 0; i < value.size(); ++i)
                        add_edge(same_value, value[i], here + "/" + std::to_string(i));
            } else if (key == "not" || key == "if" || key == "then" || key == "else") {
                check(value, here, depth + 1);
                add_edge(same_value, value, here);
            } else if (key == "additionalProperties" || key == "additionalItems" ||
                       key == "contains" || key == "propertyNames") {
                check(value, here, depth + 1);
            }
        }
        // valijson ignores the siblings of a `$ref`.
        if (member(node, "$ref") != nullptr && member(node, "$ref")->is_string()) {
            same_value.clear();
            if (ref_target != nullptr) add_edge(same_value, *ref_target, at + "/$ref");
        }
        if (!same_value.empty()) edges_[&node] = std::move(same_value);
    }

    // Depth-first search over the same-value edges, without recursion.
    void check_loops() const {
        enum class State { kNew, kActive, kDone };
        std::map<const json*, State> state;
        for (const json* start : order_) {
            if (state[start] != State::kNew) continue;
            std::vector<std::pair<const json*, std::size_t>> stack{{start, 0}};
            state[start] = State::kActive;
            while (!stack.empty()) {
                auto& [node, next] = stack.back();
                auto it = edges_.find(node);
                if (it == edges_.end() || next == it->second.size()) {
                    state[node] = State::kDone;
                    stack.pop_back();
                    continue;
                }
                const Edge& edge = it->second[next++];
                State& to = state[edge.to];
                if (to == State::kActive) {
                    const std::string& target = where_.at(edge.to);
                    fail(edge.at, "leads back to " + (target.empty() ? "the root schema" : target) +
                                      " without descending into the value, so validation "
                                      "would never end");
                }
                if (to == State::kNew) {
                    to = State::kActive;
                    stack.emplace_back(edge.to, 0);
                }
            }
        }
    }

    const json& root_;
    std::map<const json*, std::string> where_;  // every schema walked, and where it is
    std::vector<const json*> order_;            // the same, in walk order
    RegexCache patterns_;
    bool has_pattern_properties_ = false;
    std::map<const json*, std::vector<Edge>> edges_;
};

// valijson's context: "<root>", then "[name]" or "[index]" per level.
std::string to_pointer(const std::vector<std::string>& context) {
    std::string pointer;
    for (const std::string& part : context) {
        if (part == "<root>") continue;
        std::string_view token = part;
        if (token.size() >= 2 && token.front() == '[' && token.back() == ']')
            token = token.substr(1, token.size() - 2);
        pointer += "/" + detail::pointer_token(token);
    }
    return pointer;
}

// What the payload must pass before valijson sees it, checked without recursion: nesting
// depth (valijson recurses per level), and, when the schema has `patternProperties`, the length
// of property names (valijson matches those with the recursive regex matcher).
std::optional<FieldError> precheck(const json& payload, bool limit_names) {
    struct Item {
        const json* node;
        std::size_t depth;
        std::string pointer;
    };
    std::vector<Item> stack{{&payload, 1, ""}};
    while (!stack.empty()) {
        Item item = std::move(stack.back());
        stack.pop_back();
        if (item.depth > kMaxPayloadDepth)
            return FieldError{item.pointer, "is nested more than 128 levels deep"};
        if (item.node->is_object()) {
            for (const auto& [key, child] : item.node->items()) {
                std::string pointer = item.pointer + "/" + detail::pointer_token(key);
                if (limit_names && key.size() > kMaxPatternPropertyName)
                    return FieldError{pointer,
                                      "has a name longer than 256 characters, more than this "
                                      "schema's patternProperties can check"};
                stack.push_back({&child, item.depth + 1, std::move(pointer)});
            }
        } else if (item.node->is_array()) {
            for (std::size_t i = 0; i < item.node->size(); ++i)
                stack.push_back(
                    {&(*item.node)[i], item.depth + 1, item.pointer + "/" + std::to_string(i)});
        }
    }
    return std::nullopt;
}

// A hash that agrees with valijson's strict equality (Adapter::equalTo(other, true)): numbers
// compare by their double value, object members in any order. The payload's depth is checked
// before validation, so the recursion is bounded.
std::size_t value_hash(const valijson::adapters::Adapter& value) {
    constexpr std::size_t kMix = 0x9e3779b97f4a7c15ULL;
    auto mix = [](std::size_t seed, std::size_t h) {
        return seed ^ (h + kMix + (seed << 6) + (seed >> 2));
    };
    if (value.isNull()) return 0x6e756c6cULL;
    if (value.isBool()) return value.getBool() ? 0x74727565ULL : 0x66616c73ULL;
    if (value.isNumber()) {
        double number = value.getNumber();
        if (number == 0) number = 0;  // -0.0 equals 0.0
        return mix(1, std::hash<double>{}(number));
    }
    if (value.isString()) return mix(2, std::hash<std::string>{}(value.getString()));
    if (value.isArray()) {
        std::size_t h = 3;
        value.applyToArray([&](const valijson::adapters::Adapter& item) {
            h = mix(h, value_hash(item));
            return true;
        });
        return h;
    }
    std::size_t h = 4;
    value.applyToObject([&](const std::string& name, const valijson::adapters::Adapter& member) {
        h += mix(std::hash<std::string>{}(name), value_hash(member));  // a sum: order-free
        return true;
    });
    return h;
}

// `uniqueItems: true`, checked in linear expected time: each item is hashed, and compared with
// valijson's strict equality only to the distinct earlier items of the same hash. A repeated
// item is reported once, against the first item it equals; after kMaxUniqueItemsReports of
// them one entry counts the rest. Items crafted to share a hash cannot make it quadratic: after 8
// comparisons per item (plus 1,000) it stops and reports that the array could not be checked.
class UniqueItems final : public valijson::constraints::PolyConstraint {
 public:
    bool validate(const valijson::adapters::Adapter& target,
                  const std::vector<std::string>& context,
                  valijson::ValidationResults* results) const override {
        const auto* array = dynamic_cast<const valijson::adapters::NlohmannJsonAdapter*>(&target);
        if (array == nullptr)
            throw Error(ErrorKind::kInternal, "uniqueItems: the payload is not nlohmann::json");
        if (!array->isArray()) return true;
        std::vector<valijson::adapters::NlohmannJsonAdapter> items;
        items.reserve(array->getArraySize());
        for (const auto& item : array->asArray()) items.push_back(item);
        // hash -> indexes of the distinct items seen with it
        std::unordered_map<std::size_t, std::vector<std::size_t>> seen;
        std::size_t budget = 8 * items.size() + 1000;
        std::size_t reported = 0;
        for (std::size_t i = 0; i < items.size(); ++i) {
            std::vector<std::size_t>& same_hash = seen[value_hash(items[i])];
            std::optional<std::size_t> equal;
            for (std::size_t j : same_hash) {
                if (budget == 0) {
                    if (results != nullptr)
                        results->pushError(context,
                                           "Has too many items that are alike to be checked "
                                           "against the 'uniqueItems' constraint.");
                    return false;
                }
                --budget;
                if (items[j].equalTo(items[i], true)) {
                    equal = j;
                    break;
                }
            }
            if (!equal) {
                same_hash.push_back(i);
                continue;
            }
            if (results == nullptr) return false;
            if (reported++ < kMaxUniqueItemsReports)
                results->pushError(context, "Elements at indexes #" + std::to_string(*equal) +
                                                " and #" + std::to_string(i) +
                                                " violate uniqueness constraint.");
        }
        if (reported > kMaxUniqueItemsReports)
            results->pushError(context, std::to_string(reported - kMaxUniqueItemsReports) +
                                            " more items repeat earlier ones.");
        return reported == 0;
    }

 private:
    valijson::constraints::Constraint* cloneInto(void* where) const override {
        return new (where) UniqueItems(*this);
    }
    std::size_t sizeOf() const override { return sizeof(UniqueItems); }
};

class UniqueItemsBuilder final : public valijson::ConstraintBuilder {
 public:
    valijson::constraints::Constraint* make(const valijson::adapters::Adapter&) const override {
        return new UniqueItems();
    }
};

// The results validate() collects violations into on this thread, while it does (else null).
thread_local const valijson::ValidationResults* t_collecting = nullptr;

struct EnoughViolations {};

// valijson keeps going after a violation when it records them, so a long array that fails an
// `items` schema records one per item. Custom constraints run after a schema's own, once per
// value checked against it: this one ends the walk (by throwing EnoughViolations to validate())
// once kMaxRecordedViolations are recorded. Only the top-level results count: violations under
// anyOf, oneOf, not and if are recorded apart and may be dropped when another branch passes.
class StopCollecting final : public valijson::constraints::PolyConstraint {
 public:
    bool validate(const valijson::adapters::Adapter&, const std::vector<std::string>&,
                  valijson::ValidationResults* results) const override {
        if (results != nullptr && results == t_collecting &&
            results->numErrors() >= kMaxRecordedViolations)
            throw EnoughViolations{};
        return true;
    }

 private:
    valijson::constraints::Constraint* cloneInto(void* where) const override {
        return new (where) StopCollecting(*this);
    }
    std::size_t sizeOf() const override { return sizeof(StopCollecting); }
};

class StopCollectingBuilder final : public valijson::ConstraintBuilder {
 public:
    valijson::constraints::Constraint* make(const valijson::adapters::Adapter&) const override {
        return new StopCollecting();
    }
};

// libstdc++'s regex compiler narrows each character through std::ctype<char>::narrow, which
// fills a per-locale cache on first use: a data race (benign, but reported by ThreadSanitizer)
// when threads compile regexes at once, and valijson compiles its format and patternProperties
// regexes during every validation. Filling the cache once before any of that avoids it.
void fill_ctype_cache() {
    static const bool kFilled = [] {
        const auto& ctype = std::use_facet<std::ctype<char>>(std::locale());
        for (int c = 0; c < 256; ++c) ctype.narrow(static_cast<char>(c), ' ');
        return true;
    }();
    (void)kFilled;
}

}  // namespace

PayloadSchema::PayloadSchema(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
PayloadSchema::~PayloadSchema() = default;

std::shared_ptr<const PayloadSchema> PayloadSchema::compile(const json& schema,
                                                            const std::string& pointer) {
    fill_ctype_cache();
    auto impl = std::make_unique<Impl>();
    impl->source = schema;
    std::string what;
    try {
        if (!schema.is_object() && !schema.is_boolean()) {
            what = "must be an object or a boolean";
        } else {
            SchemaCheck check(impl->source);
            check.run();
            impl->for_parser = check.prepared();
            impl->patterns = check.patterns();
            impl->has_pattern_properties = check.has_pattern_properties();
            valijson::SchemaParser parser(valijson::SchemaParser::kDraft7);
            auto unique_items = std::make_unique<UniqueItemsBuilder>();
            parser.addConstraintBuilder(kUniqueItemsKeyword, unique_items.get());
            static_cast<void>(unique_items.release());  // the parser owns it once added
            auto stop = std::make_unique<StopCollectingBuilder>();
            parser.addConstraintBuilder(kStopKeyword, stop.get());
            static_cast<void>(stop.release());  // likewise
            valijson::adapters::NlohmannJsonAdapter adapter(impl->for_parser);
            // No fetch function: a remote $ref (already refused above) would throw, not fetch.
            parser.populateSchema(adapter, impl->schema);
        }
    } catch (const SchemaProblem& e) {
        what = e.what;
    } catch (const std::exception& e) {
        // valijson's own message: "Expected numeric value for minimum constraint.", ...
        what = e.what();
    }
    if (!what.empty())
        throw ValidationError({{pointer, "is not a valid JSON Schema (draft 7): " + what}});
    return std::shared_ptr<const PayloadSchema>(new PayloadSchema(std::move(impl)));
}

std::vector<FieldError> PayloadSchema::validate(const json& payload) const {
    if (auto problem = precheck(payload, impl_->has_pattern_properties)) return {*problem};
    // This is valijson::Validator::validate() with a regex cache of our own: valijson compiles
    // a `pattern` it does not find there with the recursive matcher. The cache is copied per call
    // (the regexes share their compiled automata) because valijson may insert into it; the
    // compiled schema itself is only read, which is what makes concurrent calls safe.
    RegexCache regexes = impl_->patterns;
    valijson::adapters::NlohmannJsonAdapter adapter(payload);
    auto run = [&](valijson::ValidationResults* results) {
        valijson::ValidationVisitor<valijson::adapters::NlohmannJsonAdapter> visitor(
            adapter, {"<root>"}, /*strictTypes=*/true, results, regexes);
        return visitor.validateSchema(impl_->schema);
    };
    valijson::ValidationResults results;
    bool stopped = false;
    try {
        // Without results valijson stops at the first violation: a valid payload costs one
        // pass, and only an invalid one is walked again for its violations.
        if (run(nullptr)) return {};
        struct Collecting {
            explicit Collecting(const valijson::ValidationResults* r) { t_collecting = r; }
            ~Collecting() { t_collecting = nullptr; }
        } collecting(&results);
        run(&results);
    } catch (const EnoughViolations&) {
        stopped = true;
    } catch (const std::regex_error& e) {
        // libstdc++ may give up on a regex match (complexity); the payload is not proven valid.
        return {{"", std::string("could not be checked against a 'pattern': ") + e.what()}};
    } catch (const Error&) {
        throw;
    } catch (const std::exception& e) {
        throw Error(ErrorKind::kInternal, std::string("payload schema check failed: ") + e.what());
    }
    std::vector<FieldError> errors;
    std::unordered_set<std::string> seen;  // "pointer\0message" of every violation kept or counted
    std::size_t unlisted = 0;
    for (const auto& error : results) {
        FieldError field{to_pointer(error.context), error.description};
        if (!seen.insert(field.pointer + '\0' + field.message).second) continue;
        if (errors.size() < kMaxListedViolations)
            errors.push_back(std::move(field));
        else
            ++unlisted;
    }
    // valijson fails a `false` schema without a description.
    if (errors.empty()) errors.push_back({"", "is not allowed by the schema"});
    if (stopped)
        errors.push_back({"", "there are more violations than listed (at most " +
                                  std::to_string(kMaxListedViolations) + " are)"});
    else if (unlisted > 0)
        errors.push_back({"", std::to_string(unlisted) + " more violation" +
                                  (unlisted == 1 ? " is" : "s are") + " not listed (at most " +
                                  std::to_string(kMaxListedViolations) + " are)"});
    return errors;
}

const json& PayloadSchema::schema() const noexcept { return impl_->source; }

}  // namespace etp
