#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "etp/domain/error.hpp"
#include "etp/domain/payload_schema.hpp"
#include "etp/domain/trigger.hpp"

using etp::FieldError;
using etp::PayloadSchema;
using nlohmann::json;

namespace {

std::shared_ptr<const PayloadSchema> compile(const char* schema) {
    return PayloadSchema::compile(json::parse(schema), "/api_schema");
}

// The single problem compile() reports, as "pointer: message".
std::string compile_error(const json& schema, const std::string& pointer = "/api_schema") {
    try {
        PayloadSchema::compile(schema, pointer);
    } catch (const etp::ValidationError& e) {
        REQUIRE(e.errors().size() == 1);
        return e.errors()[0].pointer + ": " + e.errors()[0].message;
    }
    return "(accepted)";
}

std::vector<std::string> pointers(const std::vector<FieldError>& errors) {
    std::vector<std::string> out;
    for (const auto& e : errors) out.push_back(e.pointer);
    return out;
}

bool has(const std::vector<FieldError>& errors, const std::string& pointer,
         const std::string& message) {
    return std::find(errors.begin(), errors.end(), FieldError{pointer, message}) != errors.end();
}

const std::string kWrongType = "Value type not permitted by 'type' constraint.";

}  // namespace

TEST_CASE("payload schema: the short form from trigger validation") {
    auto spec = etp::parse_trigger_spec(json::parse(
        R"({"name": "pay", "type": "api",
            "api_schema": {"amount": "float", "currency": "str", "user_id": "int"}})"));
    auto schema = PayloadSchema::compile(spec.api_schema, "/api_schema");

    CHECK(schema->validate(json::parse(R"({"amount": 9.5, "currency": "EUR", "user_id": 7})"))
              .empty());
    // Extra fields are allowed by the short form; integers are numbers.
    CHECK(schema->validate(json::parse(R"({"amount": 9, "currency": "EUR", "user_id": 7, "x": 1})"))
              .empty());

    auto missing = schema->validate(json::parse(R"({"amount": 9.5, "user_id": 7})"));
    CHECK(missing == std::vector<FieldError>{{"", "Missing required property 'currency'."}});

    auto wrong =
        schema->validate(json::parse(R"({"amount": "9.5", "currency": "EUR", "user_id": 7.5})"));
    CHECK(has(wrong, "/amount", kWrongType));
    CHECK(has(wrong, "/user_id", kWrongType));
    CHECK(has(wrong, "",
              "Failed to validate against schema associated with property name 'amount'."));

    auto not_object = schema->validate(json::parse("[1, 2]"));
    CHECK(has(not_object, "", kWrongType));
    CHECK(schema->schema() == spec.api_schema);
}

TEST_CASE("payload schema: pointers locate nested fields, array items and escaped names") {
    auto schema = compile(R"({
        "type": "object",
        "properties": {
            "user": {"type": "object", "properties": {"id": {"type": "integer"}},
                     "required": ["id"]},
            "items": {"type": "array", "minItems": 1,
                      "items": {"type": "object", "properties": {"sku": {"type": "string"}}}},
            "a/b~c": {"type": "string"}
        },
        "additionalProperties": false
    })");
    CHECK(schema->validate(json::parse(R"({"user": {"id": 1}, "items": [{"sku": "A"}]})")).empty());

    auto errors =
        schema->validate(json::parse(R"({"user": {"id": "x"}, "items": [{"sku": "A"}, {"sku": 5}],
                                                   "a/b~c": 1, "extra": true})"));
    CHECK(has(errors, "/user/id", kWrongType));
    CHECK(has(errors, "/items/1/sku", kWrongType));
    CHECK(has(errors, "/a~1b~0c", kWrongType));
    CHECK(has(errors, "",
              "Object contains a property that could not be validated using 'properties' or "
              "'additionalProperties' constraints: 'extra'."));
    // No repeats.
    for (std::size_t i = 0; i < errors.size(); ++i)
        for (std::size_t j = i + 1; j < errors.size(); ++j) CHECK_FALSE(errors[i] == errors[j]);

    auto nested_missing = schema->validate(json::parse(R"({"user": {}, "items": []})"));
    CHECK(has(nested_missing, "/user", "Missing required property 'id'."));
    CHECK(has(nested_missing, "/items", "Array should contain no fewer than 1 elements."));
}

TEST_CASE("payload schema: local and recursive references work") {
    auto tree = compile(R"({
        "$schema": "http://json-schema.org/draft-07/schema#",
        "definitions": {
            "node": {"type": "object", "required": ["name"],
                     "properties": {"name": {"type": "string"},
                                    "children": {"type": "array", "items": {"$ref": "#/definitions/node"}}}}
        },
        "$ref": "#/definitions/node"
    })");
    CHECK(
        tree->validate(json::parse(R"({"name": "a", "children": [{"name": "b", "children": []}]})"))
            .empty());
    auto errors =
        tree->validate(json::parse(R"({"name": "a", "children": [{"name": "b"}, {"name": 3}]})"));
    CHECK(has(errors, "/children/1/name", kWrongType));

    auto self = compile(R"({"type": "object", "properties": {"next": {"$ref": "#"}}})");
    CHECK(self->validate(json::parse(R"({"next": {"next": {}}})")).empty());
    CHECK(has(self->validate(json::parse(R"({"next": {"next": 1}})")), "/next/next", kWrongType));

    // Escaped and %-encoded reference tokens resolve like valijson resolves them.
    auto escaped =
        compile(R"({"definitions": {"a/b": {"type": "string"}, "c d": {"type": "integer"}},
                               "properties": {"x": {"$ref": "#/definitions/a~1b"},
                                              "y": {"$ref": "#/definitions/c%20d"}}})");
    auto escaped_errors = escaped->validate(json::parse(R"({"x": 1, "y": "s"})"));
    CHECK(has(escaped_errors, "/x", kWrongType));
    CHECK(has(escaped_errors, "/y", kWrongType));
}

TEST_CASE("payload schema: boolean schemas and constraints beyond types") {
    CHECK(compile("true")->validate(json::parse(R"({"anything": 1})")).empty());
    CHECK_FALSE(compile("false")->validate(json::parse("{}")).empty());
    auto s = compile(R"({"properties": {"code": {"type": "string", "pattern": "^[A-Z]{3}$"},
                                       "n": {"minimum": 1, "maximum": 10},
                                       "kind": {"enum": ["a", "b"]}}})");
    CHECK(s->validate(json::parse(R"({"code": "EUR", "n": 5, "kind": "a"})")).empty());
    auto errors = s->validate(json::parse(R"({"code": "euro", "n": 11, "kind": "c"})"));
    CHECK(has(errors, "/code", "Failed to match regex specified by 'pattern' constraint."));
    CHECK(pointers(errors).size() >= 3);
    CHECK(has(errors, "/kind", "Failed to match against any enum values."));
}

TEST_CASE("payload schema: a schema valijson rejects is a ValidationError at the pointer") {
    const std::string prefix = "/api_schema: is not a valid JSON Schema (draft 7): ";
    CHECK(compile_error(json::parse(R"({"type": 12})")) == prefix + "JSON value is not a string.");
    CHECK(compile_error(json::parse(R"({"minimum": "x"})")) ==
          prefix + "Expected numeric value for minimum constraint.");
    CHECK(compile_error(json::parse(R"({"type": "strin"})")) ==
          prefix + "Unrecognised JSON type name 'strin'");
    CHECK(compile_error(json::parse(R"({"required": "a"})")) ==
          prefix + "JSON value is not an array.");
    CHECK(compile_error(json::parse(R"({"properties": {"a": {"maxLength": -1}}})")) ==
          prefix + "Expected a non-negative integer value for 'maxLength' constraint.");
    CHECK(compile_error(json::parse(R"({"items": [1]})")) ==
          prefix +
              "Expected node at /items/0 to contain schema object or boolean value; actual node "
              "type is: integer");
    CHECK(compile_error(json::parse("12"), "/x") ==
          "/x: is not a valid JSON Schema (draft 7): must be an object or a boolean");
    CHECK(compile_error(json::parse(R"({"$ref": 5})")) ==
          prefix + "$ref property expected to contain string value.");
}

TEST_CASE("payload schema: what would crash, loop or fetch is refused up front") {
    const std::string prefix = "/api_schema: is not a valid JSON Schema (draft 7): ";
    const std::string remote =
        "\" refers to another document; only references into this schema (\"#\", "
        "\"#/definitions/x\") are allowed, nothing is fetched";
    CHECK(compile_error(json::parse(R"({"$ref": "http://example.com/s.json"})")) ==
          prefix + "/$ref: \"http://example.com/s.json" + remote);
    CHECK(compile_error(json::parse(R"({"properties": {"a": {"$ref": "other.json#/x"}}})")) ==
          prefix + "/properties/a/$ref: \"other.json#/x" + remote);
    // Schemas that check the same value against themselves would recurse forever in valijson.
    const std::string endless = " without descending into the value, so validation would never end";
    CHECK(compile_error(json::parse(R"({"$ref": "#"})")) ==
          prefix + "/$ref: leads back to the root schema" + endless);
    CHECK(compile_error(json::parse(
              R"({"$ref": "#/definitions/a", "definitions": {"a": {"$ref": "#/definitions/b"},
                                                             "b": {"$ref": "#/definitions/a"}}})")) ==
          prefix + "/definitions/b/$ref: leads back to /definitions/a" + endless);
    CHECK(compile_error(json::parse(R"({"not": {"$ref": "#"}})")) ==
          prefix + "/not/$ref: leads back to the root schema" + endless);
    CHECK(compile_error(json::parse(
              R"({"type": "object", "anyOf": [{"required": ["a"]}, {"$ref": "#"}]})")) ==
          prefix + "/anyOf/1/$ref: leads back to the root schema" + endless);
    CHECK(compile_error(json::parse(R"({"dependencies": {"a": ["b"], "c": {"$ref": "#"}}})")) ==
          prefix + "/dependencies/c/$ref: leads back to the root schema" + endless);
    CHECK(compile_error(json::parse(R"({"properties": {"a": {"$ref": "#/properties/a"}}})")) ==
          prefix + "/properties/a/$ref: leads back to /properties/a" + endless);
    // Through a keyword that descends into the value, recursion is bounded by the payload.
    CHECK_NOTHROW(
        compile(R"({"anyOf": [{"type": "integer"}, {"type": "array", "items": {"$ref": "#"}}]})"));
    CHECK(compile_error(json::parse(R"({"items": {"$ref": "#/definitions/missing"}})")) ==
          prefix + "/items/$ref: \"#/definitions/missing\" points to nothing in this schema");
    CHECK(compile_error(json::parse(R"({"$ref": "#node"})")) ==
          prefix + "/$ref: \"#node\" is not a JSON pointer reference such as \"#/definitions/x\"");
    // std::regex would throw only while validating.
    CHECK(compile_error(json::parse(R"({"properties": {"code": {"pattern": "(("}}})"))
              .starts_with(prefix + "/properties/code/pattern: \"((\" is not a valid regular "
                                    "expression ("));
    CHECK(compile_error(json::parse(R"({"patternProperties": {"[a-": {}}})"))
              .starts_with(prefix + "/patternProperties/[a-: \"[a-\" is not a valid regular"));
    // A reference may point outside the usual keywords: its target is checked too.
    CHECK(compile_error(json::parse(R"({"$ref": "#/x", "x": {"pattern": "("}})"))
              .starts_with(prefix + "/x/pattern: \"(\" is not a valid regular expression"));
    CHECK(compile_error(json::parse(R"({"pattern": "(a)\\1"})")) ==
          prefix + "/pattern: \"(a)\\1\" uses a back-reference, which is not supported");
    CHECK(compile_error(json::parse(R"({"$schema": "http://json-schema.org/draft-04/schema#"})")) ==
          prefix + "/$schema: must be http://json-schema.org/draft-07/schema# when given");
    json deep = json::object();
    for (int i = 0; i < 100; ++i) deep = json{{"not", deep}};
    CHECK(compile_error(deep).find("is nested more than 64 levels deep") != std::string::npos);
    // Property names and values of const/enum are data, not schemas.
    CHECK_NOTHROW(compile(R"({"properties": {"$ref": {"type": "string"}, "pattern": {}},
                              "const": {"$ref": "http://x", "pattern": "(("}})"));
}

TEST_CASE("payload schema: formats apply to strings only") {
    // valijson 1.0 throws when a non-string meets `format`; compile() guards it.
    auto s = compile(R"({"properties": {"d": {"type": ["string", "integer"], "format": "date"},
                                       "t": {"format": "date-time"},
                                       "e": {"format": "email"}}})");
    CHECK(s->validate(json::parse(R"({"d": 5, "t": {"x": 1}, "e": 7})")).empty());
    CHECK(s->validate(json::parse(R"({"d": "2026-01-31", "t": "2026-01-31T09:00:00Z", "e": "x"})"))
              .empty());
    auto errors = s->validate(json::parse(R"({"d": "31.01.2026", "t": "yesterday"})"));
    CHECK(has(errors, "/d", "String should be a valid date"));
    CHECK(has(errors, "/t", "String should be a valid date-time"));
    CHECK(s->schema()["properties"]["d"]["format"] == "date");
    // Appending to allOf keeps references into it pointing where they did.
    auto with_all_of = compile(R"({"allOf": [{"type": "object"}], "format": "date",
                                   "properties": {"x": {"$ref": "#/allOf/0"}}})");
    CHECK(has(with_all_of->validate(json::parse(R"({"x": 1})")), "/x", kWrongType));
}

TEST_CASE("payload schema: hostile payloads get an answer, not a stack overflow") {
    auto schema = compile(R"({"properties": {"a": {"$ref": "#"}}})");
    json deep = 1;
    for (int i = 0; i < 1000; ++i) deep = json{{"a", deep}};
    auto errors = schema->validate(deep);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message == "is nested more than 128 levels deep");
    CHECK(errors[0].pointer == [] {
        std::string p;
        for (int i = 0; i < 128; ++i) p += "/a";
        return p;
    }());
    json fine = 1;
    for (int i = 0; i < 100; ++i) fine = json{{"a", fine}};
    CHECK(schema->validate(fine).empty());

    // libstdc++'s default regex matcher recurses per character; patterns are matched without.
    auto pattern = compile(R"({"properties": {"code": {"pattern": "^(([a-c]|[d-f])|[g-z])+$"}}})");
    std::string long_text(200'000, 'q');
    CHECK(pattern->validate(json{{"code", long_text}}).empty());
    CHECK(has(pattern->validate(json{{"code", long_text + "1"}}), "/code",
              "Failed to match regex specified by 'pattern' constraint."));

    // Formats are matched by valijson's own (recursive) regexes: only short strings reach them.
    auto format = compile(R"({"properties": {"day": {"format": "date"}}})");
    CHECK(has(format->validate(json{{"day", std::string(200'000, '1')}}), "/day",
              "String should be no more than 64 characters in length."));

    // patternProperties are matched by valijson with the recursive matcher: names are limited.
    auto names = compile(R"({"patternProperties": {"^x_": {"type": "integer"}}})");
    CHECK(has(names->validate(json::parse(R"({"x_a": "s"})")), "/x_a", kWrongType));
    std::string long_name(257, 'n');
    CHECK(names->validate(json{{"ok", {{std::string(256, 'n'), 1}}}}).empty());
    CHECK(names->validate(json{{"ok", {{long_name, 1}}}}) ==
          std::vector<FieldError>{{"/ok/" + long_name,
                                   "has a name longer than 256 characters, more than this "
                                   "schema's patternProperties can check"}});
    // Without patternProperties, names are not limited.
    CHECK(schema->validate(json{{long_name, 1}}).empty());
}

TEST_CASE("payload schema: one compiled schema validates from many threads") {
    auto schema = compile(R"({"type": "object", "required": ["id", "code"],
                              "properties": {"id": {"type": "integer", "minimum": 0},
                                             "code": {"type": "string", "pattern": "^[a-z]+[0-9]*$"}}})");
    std::atomic<int> valid{0};
    std::atomic<int> invalid{0};
    std::atomic<int> wrong_pointer{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < 8; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < 1000; ++i) {
                bool good = (i + t) % 2 == 0;
                json payload = good ? json{{"id", i}, {"code", "abc" + std::to_string(i)}}
                                    : json{{"id", -i - 1}, {"code", "ABC"}};
                auto errors = schema->validate(payload);
                if (errors.empty()) {
                    ++valid;
                } else {
                    ++invalid;
                    if (!has(errors, "/id", "Expected number greater than or equal to 0.000000") ||
                        !has(errors, "/code",
                             "Failed to match regex specified by 'pattern' constraint."))
                        ++wrong_pointer;
                }
            }
        });
    }
    for (auto& thread : threads) thread.join();
    CHECK(valid == 4000);
    CHECK(invalid == 4000);
    CHECK(wrong_pointer == 0);
}

TEST_CASE("payload schema: cases from Debian's json-schema-test-suite, when installed") {
    std::filesystem::path root = "/usr/share/json-schema-test-suite";
    if (const char* dir = std::getenv("ETP_JSON_SCHEMA_TEST_SUITE")) root = dir;
    std::filesystem::path draft7 = root / "tests" / "draft7";
    if (!std::filesystem::is_directory(draft7)) {
        WARN("json-schema-test-suite is not installed (" << draft7.string() << "); skipped");
        return;
    }
    int cases = 0;
    int skipped = 0;
    // The optional format files are the three formats valijson checks.
    for (const char* file : {"type.json",
                             "required.json",
                             "properties.json",
                             "additionalProperties.json",
                             "patternProperties.json",
                             "propertyNames.json",
                             "dependencies.json",
                             "items.json",
                             "additionalItems.json",
                             "contains.json",
                             "minimum.json",
                             "maximum.json",
                             "exclusiveMinimum.json",
                             "multipleOf.json",
                             "enum.json",
                             "const.json",
                             "allOf.json",
                             "anyOf.json",
                             "oneOf.json",
                             "not.json",
                             "if-then-else.json",
                             "pattern.json",
                             "minLength.json",
                             "maxItems.json",
                             "uniqueItems.json",
                             "boolean_schema.json",
                             "ref.json",
                             "optional/format/date.json",
                             "optional/format/time.json",
                             "optional/format/date-time.json"}) {
        std::ifstream in(draft7 / file);
        REQUIRE(in);
        json groups = json::parse(in);
        for (const json& group : groups) {
            INFO(file << ": " << group["description"]);
            std::shared_ptr<const PayloadSchema> schema;
            try {
                schema = PayloadSchema::compile(group["schema"], "");
            } catch (const etp::ValidationError& e) {
                // Remote references are refused on purpose.
                CHECK(e.errors()[0].message.find("refers to another document") !=
                      std::string::npos);
                ++skipped;
                continue;
            }
            for (const json& test : group["tests"]) {
                INFO(test["description"]);
                CHECK(schema->validate(test["data"]).empty() == test["valid"].get<bool>());
                ++cases;
            }
        }
    }
    CHECK(skipped < 5);
    CHECK(cases > 100);
}

// Issue 22: a 1 MiB array made valijson report an error per item, which validate() then
// de-duplicated by a linear search each (quadratic), and `uniqueItems` compared every pair and
// reported every equal pair. The answer is now bounded in size (and comes quickly).
TEST_CASE("payload schema: a 100k-item array gets a bounded list of violations") {
    constexpr int kItems = 100'000;
    json numbers = json::array();
    for (int i = 0; i < kItems; ++i) numbers.push_back(1'000'000 + i);  // ~0.8 MB as text
    REQUIRE(numbers.dump().size() > 700'000);

    auto strings = compile(R"({"items": {"type": "string"}})");
    auto errors = strings->validate(numbers);
    REQUIRE(errors.size() == 101);
    CHECK(errors[0] == FieldError{"/0", kWrongType});
    // valijson stopped after 1,000 (each item fails at "/i" and at "").
    CHECK(errors[100] == FieldError{"", "there are more violations than listed (at most 100 are)"});
    // Below that, the rest are counted.
    errors = strings->validate(json(std::vector<int>(150, 7)));
    REQUIRE(errors.size() == 101);
    CHECK(errors[100] == FieldError{"", "200 more violations are not listed (at most 100 are)"});

    // Distinct items pass uniqueItems; all-equal ones get ten pairs and a count.
    auto unique = compile(R"({"properties": {"tags": {"uniqueItems": true}}})");
    CHECK(unique->validate(json{{"tags", numbers}}).empty());
    json same = json::array();
    for (int i = 0; i < kItems; ++i) same.push_back("same-tag");
    errors = unique->validate(json{{"tags", same}});
    REQUIRE(errors.size() == 12);
    CHECK(errors[0] ==
          FieldError{"/tags", "Elements at indexes #0 and #1 violate uniqueness constraint."});
    CHECK(errors[9] ==
          FieldError{"/tags", "Elements at indexes #0 and #10 violate uniqueness constraint."});
    CHECK(errors[10] ==
          FieldError{"/tags", std::to_string(kItems - 11) + " more items repeat earlier ones."});
    CHECK(errors[11].pointer == "");  // the enclosing property's failure

    // Items and uniqueItems on one array: still one list of at most 100 and a count.
    auto both = compile(R"({"type": "array", "items": {"type": "string"}, "uniqueItems": true})");
    json mixed = numbers;
    mixed.push_back(1'000'000);
    errors = both->validate(mixed);
    REQUIRE(errors.size() == 101);
    CHECK(has(both->validate(json::parse("[1, 1]")), "",
              "Elements at indexes #0 and #1 violate uniqueness constraint."));
}

TEST_CASE("payload schema: uniqueItems compares as JSON Schema does") {
    auto unique = compile(R"({"uniqueItems": true})");
    auto valid = [&](const char* payload) {
        return unique->validate(json::parse(payload)).empty();
    };
    CHECK_FALSE(valid("[1, 1.0]"));
    CHECK_FALSE(valid("[0, -0.0]"));
    CHECK_FALSE(valid(R"([{"a": 1, "b": [2, "x"]}, {"b": [2, "x"], "a": 1.0}])"));
    CHECK_FALSE(valid(R"([null, "a", null])"));
    CHECK(valid(R"([false, 0, "0", null, [], {}, [0], {"0": 0}])"));
    CHECK(valid(R"([[1, 2], [2, 1], {"a": 1}, {"a": 2}, {"b": 1}])"));
    CHECK(valid("[1.5, 2.5, 1]"));
    CHECK(valid("[]"));
    CHECK(valid(R"("not an array")"));
    // `uniqueItems: false` checks nothing, a non-boolean is refused as before.
    CHECK(compile(R"({"uniqueItems": false})")->validate(json::parse("[1, 1]")).empty());
    CHECK(compile_error(json::parse(R"({"uniqueItems": 1})")) ==
          "/api_schema: is not a valid JSON Schema (draft 7): Expected boolean value for "
          "'uniqueItems' constraint.");
    // The keyword that stands in for it cannot be smuggled in.
    CHECK(compile(R"({"x-etp-unique-items": true})")->validate(json::parse("[1, 1]")).empty());
}
