#include <catch2/catch.hpp>

#include "etp/domain/error.hpp"
#include "etp/domain/filter_pattern.hpp"

using etp::FilterPattern;
using nlohmann::json;

namespace {

bool match(const char* pattern, const char* document) {
    return FilterPattern::parse(json::parse(pattern)).matches(json::parse(document));
}

// Every problem parse() reports, as "pointer: message".
std::vector<std::string> problems(const json& pattern, const std::string& pointer = "") {
    try {
        FilterPattern::parse(pattern, pointer);
    } catch (const etp::ValidationError& e) {
        std::vector<std::string> out;
        for (const auto& f : e.errors()) out.push_back(f.pointer + ": " + f.message);
        return out;
    }
    return {};
}

std::vector<std::string> pointers(const json& pattern, const std::string& pointer = "") {
    std::vector<std::string> out;
    for (const std::string& p : problems(pattern, pointer))
        out.push_back(p.substr(0, p.find(": ")));
    return out;
}

struct Row {
    const char* pattern;
    const char* document;
    bool expected;
};

void check_rows(std::initializer_list<Row> rows) {
    for (const Row& row : rows) {
        INFO("pattern " << row.pattern << " document " << row.document);
        CHECK(match(row.pattern, row.document) == row.expected);
    }
}

using V = std::vector<std::string>;

}  // namespace

TEST_CASE("filter: scalar alternatives are equality; fields AND, alternatives OR") {
    check_rows({
        {R"({"op": ["u"]})", R"({"op": "u"})", true},
        {R"({"op": ["u"]})", R"({"op": "c"})", false},
        {R"({"op": ["u", "d"]})", R"({"op": "d"})", true},
        {R"({"op": ["u"]})", R"({"op": "U"})", false},
        {R"({"op": ["u"]})", R"({})", false},
        {R"({"op": ["u"], "table": ["orders"]})", R"({"op": "u", "table": "orders"})", true},
        {R"({"op": ["u"], "table": ["orders"]})", R"({"op": "u", "table": "items"})", false},
        {R"({"n": [5]})", R"({"n": 5})", true},
        {R"({"n": [5]})", R"({"n": 5.0})", true},
        {R"({"n": [5]})", R"({"n": "5"})", false},
        {R"({"b": [true]})", R"({"b": true})", true},
        {R"({"b": [true]})", R"({"b": 1})", false},
        {R"({"x": [null]})", R"({"x": null})", true},
        {R"({"x": [null]})", R"({})", false},
        {R"({"x": [null]})", R"({"x": 0})", false},
        {R"({"x": ["a"]})", R"({"x": {"a": 1}})", false},
        {R"({})", R"({"anything": 1})", true},
    });
}

TEST_CASE("filter: prefix, suffix and equals-ignore-case match strings only") {
    check_rows({
        {R"({"s": [{"prefix": "ord"}]})", R"({"s": "orders"})", true},
        {R"({"s": [{"prefix": "ord"}]})", R"({"s": "border"})", false},
        {R"({"s": [{"prefix": "1"}]})", R"({"s": 123})", false},
        {R"({"s": [{"prefix": ""}]})", R"({"s": "x"})", true},
        {R"({"s": [{"suffix": ".png"}]})", R"({"s": "a.png"})", true},
        {R"({"s": [{"suffix": ".png"}]})", R"({"s": "a.png.txt"})", false},
        {R"({"s": [{"equals-ignore-case": "DoWn"}]})", R"({"s": "down"})", true},
        {R"({"s": [{"equals-ignore-case": "DoWn"}]})", R"({"s": "DOWN"})", true},
        {R"({"s": [{"equals-ignore-case": "down"}]})", R"({"s": "downs"})", false},
        {R"({"s": [{"equals-ignore-case": "true"}]})", R"({"s": true})", false},
    });
}

TEST_CASE("filter: numeric compares numbers only") {
    check_rows({
        {R"({"n": [{"numeric": [">", 10]}]})", R"({"n": 11})", true},
        {R"({"n": [{"numeric": [">", 10]}]})", R"({"n": 10})", false},
        {R"({"n": [{"numeric": [">=", 10]}]})", R"({"n": 10})", true},
        {R"({"n": [{"numeric": ["<", 10]}]})", R"({"n": 9.5})", true},
        {R"({"n": [{"numeric": ["<", 10]}]})", R"({"n": 10})", false},
        {R"({"n": [{"numeric": ["<=", 10]}]})", R"({"n": 10})", true},
        {R"({"n": [{"numeric": ["=", 3.5]}]})", R"({"n": 3.5})", true},
        {R"({"n": [{"numeric": ["=", 3]}]})", R"({"n": 3.0})", true},
        {R"({"n": [{"numeric": ["=", 3]}]})", R"({"n": 4})", false},
        {R"({"n": [{"numeric": [">", 0, "<=", 5]}]})", R"({"n": 5})", true},
        {R"({"n": [{"numeric": [">", 0, "<=", 5]}]})", R"({"n": 0})", false},
        {R"({"n": [{"numeric": [">", 0, "<=", 5]}]})", R"({"n": 5.01})", false},
        {R"({"n": [{"numeric": [">=", -1, "<", 1]}]})", R"({"n": -1})", true},
        {R"({"n": [{"numeric": [">", 10]}]})", R"({"n": "11"})", false},
        {R"({"n": [{"numeric": [">", 0]}]})", R"({"n": true})", false},
        {R"({"n": [{"numeric": [">", 0]}]})", R"({})", false},
    });
}

TEST_CASE("filter: exists looks at present non-null leaves") {
    check_rows({
        {R"({"c": [{"exists": true}]})", R"({"c": 0})", true},
        {R"({"c": [{"exists": true}]})", R"({"c": ""})", true},
        {R"({"c": [{"exists": true}]})", R"({"c": false})", true},
        {R"({"c": [{"exists": true}]})", R"({"c": null})", false},
        {R"({"c": [{"exists": true}]})", R"({})", false},
        {R"({"c": [{"exists": true}]})", R"({"c": {"d": 1}})", false},
        {R"({"c": [{"exists": true}]})", R"({"c": []})", false},
        {R"({"c": [{"exists": true}]})", R"({"c": [null, 1]})", true},
        {R"({"c": [{"exists": false}]})", R"({})", true},
        {R"({"c": [{"exists": false}]})", R"({"c": null})", true},
        {R"({"c": [{"exists": false}]})", R"({"c": 1})", false},
        {R"({"c": [{"exists": false}]})", R"({"d": 1})", true},
        // Alternatives OR: absent or "x".
        {R"({"c": [{"exists": false}, "x"]})", R"({"c": "x"})", true},
        {R"({"c": [{"exists": false}, "x"]})", R"({"c": "y"})", false},
    });
}

TEST_CASE("filter: anything-but excludes values and never matches an absent field") {
    check_rows({
        {R"({"s": [{"anything-but": "down"}]})", R"({"s": "up"})", true},
        {R"({"s": [{"anything-but": "down"}]})", R"({"s": "down"})", false},
        {R"({"s": [{"anything-but": "down"}]})", R"({})", false},
        {R"({"s": [{"anything-but": "down"}]})", R"({"s": null})", true},
        {R"({"s": [{"anything-but": ["a", "b"]}]})", R"({"s": "c"})", true},
        {R"({"s": [{"anything-but": ["a", "b"]}]})", R"({"s": "b"})", false},
        {R"({"n": [{"anything-but": [1, 2]}]})", R"({"n": 3})", true},
        {R"({"n": [{"anything-but": [1, 2]}]})", R"({"n": 2.0})", false},
        {R"({"n": [{"anything-but": 1}]})", R"({"n": "1"})", true},
        {R"({"s": [{"anything-but": {"prefix": "tmp_"}}]})", R"({"s": "orders"})", true},
        {R"({"s": [{"anything-but": {"prefix": "tmp_"}}]})", R"({"s": "tmp_orders"})", false},
        {R"({"s": [{"anything-but": {"prefix": "tmp_"}}]})", R"({"s": 5})", false},
        {R"({"s": [{"anything-but": {"suffix": "_old"}}]})", R"({"s": "orders"})", true},
        {R"({"s": [{"anything-but": {"suffix": "_old"}}]})", R"({"s": "orders_old"})", false},
    });
}

TEST_CASE("filter: nested patterns and arrays in documents") {
    check_rows({
        {R"({"a": {"b": {"c": ["x"]}}})", R"({"a": {"b": {"c": "x"}}})", true},
        {R"({"a": {"b": {"c": ["x"]}}})", R"({"a": {"b": {"c": "y"}}})", false},
        {R"({"a": {"b": {"c": ["x"]}}})", R"({"a": {"b": "x"}})", false},
        {R"({"a": {"b": {"c": ["x"]}}})", R"({"a": null})", false},
        {R"({"a": {"b": ["x"]}})", R"({"a": {"b": "x", "other": 1}})", true},
        // An array value matches when any element does.
        {R"({"tags": ["red"]})", R"({"tags": ["blue", "red"]})", true},
        {R"({"tags": ["red"]})", R"({"tags": ["blue", "green"]})", false},
        {R"({"tags": ["red"]})", R"({"tags": []})", false},
        {R"({"tags": ["red"]})", R"({"tags": [["red"]]})", true},
        {R"({"tags": [{"prefix": "re"}]})", R"({"tags": [1, "reed"]})", true},
        {R"({"n": [{"numeric": [">", 5]}]})", R"({"n": [1, 2, 6]})", true},
        {R"({"n": [{"numeric": [">", 5]}]})", R"({"n": [1, 2, 3]})", false},
        {R"({"s": [{"anything-but": "a"}]})", R"({"s": ["a", "b"]})", true},
        {R"({"s": [{"anything-but": "a"}]})", R"({"s": ["a"]})", false},
        // A nested pattern descends into each object of an array.
        {R"({"items": {"sku": ["A1"]}})", R"({"items": [{"sku": "B2"}, {"sku": "A1"}]})", true},
        {R"({"items": {"sku": ["A1"]}})", R"({"items": [{"sku": "B2"}]})", false},
        {R"({"a": {"b": [{"exists": false}]}})", R"({})", true},
        {R"({"a": {"b": [{"exists": false}]}})", R"({"a": {"b": 1}})", false},
    });
    // A document that is not an object has no fields.
    auto p = FilterPattern::parse(json::parse(R"({"c": [{"exists": false}]})"));
    CHECK(p.matches(json::array({1, 2})));
    CHECK_FALSE(FilterPattern::parse(json::parse(R"({"c": [1]})")).matches(json(1)));
}

TEST_CASE("filter: the ARCHITECTURE example against Debezium-style changes") {
    auto pattern = FilterPattern::parse(json::parse(
        R"({"op": ["u"], "after": {"status": ["down"]},
            "before": {"status": [{"anything-but": "down"}]}})"));
    auto change = [](const char* op, const char* before, const char* after) {
        return json{{"op", op},
                    {"before", json::parse(before)},
                    {"after", json::parse(after)},
                    {"source", {{"db", "app"}, {"schema", "public"}, {"table", "monitors"}}},
                    {"ts_ms", 1767225600000}};
    };
    CHECK(pattern.matches(
        change("u", R"({"id": 1, "status": "up"})", R"({"id": 1, "status": "down"})")));
    CHECK_FALSE(pattern.matches(
        change("u", R"({"id": 1, "status": "down"})", R"({"id": 1, "status": "down"})")));
    CHECK_FALSE(pattern.matches(
        change("u", R"({"id": 1, "status": "down"})", R"({"id": 1, "status": "up"})")));
    // Without REPLICA IDENTITY FULL an update carries no old row: anything-but needs a value.
    CHECK_FALSE(pattern.matches(change("u", "null", R"({"id": 1, "status": "down"})")));
    CHECK_FALSE(pattern.matches(change("c", "null", R"({"id": 1, "status": "down"})")));
    CHECK_FALSE(pattern.matches(change("d", R"({"id": 1, "status": "up"})", "null")));
    CHECK(pattern.pattern()["op"] == json::array({"u"}));
}

TEST_CASE("filter: every syntax error is reported with its pointer") {
    CHECK(problems(json::array()) == V{": must be a JSON object (an event pattern)"});
    CHECK(problems("x", "/cdc/filter") ==
          V{"/cdc/filter: must be a JSON object (an event pattern)"});
    const char* shape =
        "must be an object (a nested pattern) or a non-empty array of values and matchers";
    CHECK(problems(json::parse(R"({"a": "x"})"), "/cdc/filter") ==
          V{std::string("/cdc/filter/a: ") + shape});
    CHECK(problems(json::parse(R"({"a": []})")) == V{std::string("/a: ") + shape});
    CHECK(problems(json::parse(R"({"a": {}})")) == V{std::string("/a: ") + shape});
    CHECK(problems(json::parse(R"({"a": 5, "b": {"c": null}})")) ==
          V{std::string("/a: ") + shape, std::string("/b/c: ") + shape});
    CHECK(problems(json::parse(R"({"a": [[1]]})")) ==
          V{"/a/0: must be a value (string, number, boolean, null) or a matcher object with "
            "exactly one key: prefix, suffix, equals-ignore-case, exists, numeric, anything-but"});
    CHECK(pointers(json::parse(R"({"a": [{}]})")) == V{"/a/0"});
    CHECK(pointers(json::parse(R"({"a": [{"prefix": "x", "suffix": "y"}]})")) == V{"/a/0"});
    CHECK(problems(json::parse(R"({"a": [{"wildcard": "x*"}]})")) ==
          V{"/a/0/wildcard: unknown matcher; use one of prefix, suffix, equals-ignore-case, "
            "exists, numeric, anything-but"});
    CHECK(problems(json::parse(R"({"a": ["ok", {"prefix": 5}]})"), "/f") ==
          V{"/f/a/1/prefix: must be a string"});
    CHECK(pointers(json::parse(R"({"a": [{"suffix": null}]})")) == V{"/a/0/suffix"});
    CHECK(pointers(json::parse(R"({"a": [{"equals-ignore-case": []}]})")) ==
          V{"/a/0/equals-ignore-case"});
    CHECK(problems(json::parse(R"({"a": [{"exists": "yes"}]})")) ==
          V{"/a/0/exists: must be true or false"});
    // numeric
    CHECK(pointers(json::parse(R"({"n": [{"numeric": 5}]})")) == V{"/n/0/numeric"});
    CHECK(pointers(json::parse(R"({"n": [{"numeric": [">", 1, "<"]}]})")) == V{"/n/0/numeric"});
    CHECK(problems(json::parse(R"({"n": [{"numeric": ["!=", 1]}]})")) ==
          V{"/n/0/numeric/0: must be one of <, <=, =, >, >="});
    CHECK(problems(json::parse(R"({"n": [{"numeric": [">", "1"]}]})")) ==
          V{"/n/0/numeric/1: must be a number"});
    CHECK(problems(json::parse(R"({"n": [{"numeric": ["<", 1, ">", 0]}]})")) ==
          V{"/n/0/numeric/0: must be > or >= (the lower bound of a range)",
            "/n/0/numeric/2: must be < or <= (the upper bound of a range)"});
    CHECK(problems(json::parse(R"({"n": [{"numeric": ["=", 1, "<", 5]}]})")) ==
          V{"/n/0/numeric/0: must be > or >= (the lower bound of a range)"});
    CHECK(pointers(json::parse(R"({"n": [{"numeric": [">", 0, "<", true]}]})")) ==
          V{"/n/0/numeric/3"});
    CHECK(problems(json::parse(R"({"n": [{"numeric": [">", 5, "<", 5]}]})")) ==
          V{"/n/0/numeric: is an empty range: the lower bound must be below the upper bound"});
    CHECK(problems(json::parse(R"({"n": [{"numeric": [">=", 5, "<=", 5]}]})")).empty());
    // anything-but
    CHECK(problems(json::parse(R"({"s": [{"anything-but": []}]})")) ==
          V{"/s/0/anything-but: must not be an empty array"});
    CHECK(problems(json::parse(R"({"s": [{"anything-but": ["a", {"b": 1}, [2]]}]})")) ==
          V{"/s/0/anything-but/1: must be a string, number, boolean or null",
            "/s/0/anything-but/2: must be a string, number, boolean or null"});
    CHECK(problems(json::parse(R"({"s": [{"anything-but": {"wildcard": "a"}}]})")) ==
          V{"/s/0/anything-but/wildcard: unknown matcher; anything-but takes prefix or suffix"});
    CHECK(pointers(json::parse(R"({"s": [{"anything-but": {"prefix": 1}}]})")) ==
          V{"/s/0/anything-but/prefix"});
    CHECK(pointers(json::parse(R"({"s": [{"anything-but": {"prefix": "a", "suffix": "b"}}]})")) ==
          V{"/s/0/anything-but"});
    // Keys are escaped in pointers (RFC 6901).
    CHECK(pointers(json::parse(R"({"a/b": {"c~d": 1}})")) == V{"/a~1b/c~0d"});
    // Every problem at once.
    CHECK(pointers(json::parse(R"({"a": 1, "b": [{"exists": 1}], "c": {"d": [{"x": 1}]}})"),
                   "/cdc/filter") ==
          V{"/cdc/filter/a", "/cdc/filter/b/0/exists", "/cdc/filter/c/d/0/x"});
}

TEST_CASE("filter: limits on depth, alternatives and string length") {
    // Ten levels of objects are fine, eleven are not.
    json ok = json::array({"x"});
    for (int i = 0; i < 10; ++i) ok = json{{"k", ok}};
    CHECK(problems(ok).empty());
    json deep = json{{"k", ok}};
    CHECK(problems(deep) == V{"/k/k/k/k/k/k/k/k/k/k: is nested deeper than 10 levels"});

    json hundred = json::object();
    for (int i = 0; i < 50; ++i) hundred["f" + std::to_string(i)] = json::array({1, 2});
    CHECK(problems(hundred).empty());
    hundred["extra"] = json::array({3});
    CHECK(problems(hundred, "/cdc/filter") ==
          V{"/cdc/filter: has 101 alternatives; at most 100 are allowed"});

    std::string long_text(1025, 'a');
    std::string max_text(1024, 'a');
    CHECK(problems(json{{"s", json::array({max_text})}}).empty());
    CHECK(problems(json{{"s", json::array({long_text})}}) ==
          V{"/s/0: must be at most 1024 characters long"});
    CHECK(problems(json{{"s", json::array({json{{"prefix", long_text}}})}}) ==
          V{"/s/0/prefix: must be at most 1024 characters long"});
    CHECK(problems(
              json{{"s", json::array({json{{"anything-but", json::array({"a", long_text})}}})}}) ==
          V{"/s/0/anything-but/1: must be at most 1024 characters long"});
    CHECK(problems(json{{long_text, json::array({1})}}) ==
          V{"/" + long_text + ": field name must be at most 1024 characters long"});
}

TEST_CASE("filter: a parsed pattern is a value that can be copied and shared") {
    auto original = FilterPattern::parse(json::parse(R"({"op": ["c"]})"));
    FilterPattern copy = original;
    CHECK(copy.matches(json::parse(R"({"op": "c"})")));
    CHECK(copy.pattern() == original.pattern());
}
