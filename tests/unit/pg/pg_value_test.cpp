#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "etp/pg/pg_value.hpp"

using etp::pg::array_element_type;
using etp::pg::value_to_json;
using nlohmann::json;

namespace {

struct Row {
    std::uint32_t oid;
    std::string text;
    json expected;
};

void check_rows(const std::vector<Row>& rows) {
    for (const Row& r : rows) {
        INFO("oid " << r.oid << " text " << r.text);
        const json got = value_to_json(r.oid, r.text);
        // dump() tells 2 from 2.0 (integer vs float); == ignores signed vs unsigned integers.
        CHECK(got == r.expected);
        CHECK(got.dump() == r.expected.dump());
    }
}

}  // namespace

TEST_CASE("integer types become JSON integers", "[pg_value]") {
    check_rows({
        {21, "-32768", json(std::int64_t{-32768})},
        {23, "2147483647", json(std::int64_t{2147483647})},
        {20, "9223372036854775807", json(std::int64_t{9223372036854775807})},
        {20, "-9223372036854775808", json(INT64_MIN)},
        {26, "4294967295", json(std::int64_t{4294967295})},
        {28, "731", json(std::int64_t{731})},
        {23, "0", json(std::int64_t{0})},
    });
    CHECK(value_to_json(20, "9223372036854775807").is_number_integer());
}

TEST_CASE("float types become JSON numbers; NaN and infinities stay strings", "[pg_value]") {
    check_rows({
        {701, "1.5", json(1.5)},
        {701, "-0.1", json(-0.1)},
        {701, "1e+100", json(1e100)},
        {700, "3.4028235e+38", json(3.4028235e+38)},
        {700, "0.1", json(0.1)},
        {701, "NaN", json("NaN")},
        {701, "Infinity", json("Infinity")},
        {700, "-Infinity", json("-Infinity")},
    });
    CHECK(value_to_json(701, "0.30000000000000004").get<double>() == 0.30000000000000004);
    CHECK(value_to_json(701, "2").is_number_float());
}

TEST_CASE("numeric and money stay strings as printed", "[pg_value]") {
    check_rows({
        {1700, "12345678901234567890.000000000001", json("12345678901234567890.000000000001")},
        {1700, "NaN", json("NaN")},
        {790, "$1,234.50", json("$1,234.50")},
    });
}

TEST_CASE("bool", "[pg_value]") { check_rows({{16, "t", json(true)}, {16, "f", json(false)}}); }

TEST_CASE("timestamptz becomes RFC 3339 UTC keeping the printed precision", "[pg_value]") {
    check_rows({
        {1184, "2026-11-23 01:02:03.5+00", json("2026-11-23T01:02:03.5Z")},
        {1184, "2026-11-23 01:02:03+00", json("2026-11-23T01:02:03Z")},
        {1184, "2026-11-23 01:02:03.123456+00", json("2026-11-23T01:02:03.123456Z")},
        {1184, "2026-11-23 01:02:03+00:00", json("2026-11-23T01:02:03Z")},
        // A session not in UTC: converted.
        {1184, "2026-11-23 02:02:03.5+01", json("2026-11-23T01:02:03.500000Z")},
        {1184, "2026-11-23 06:32:03+05:30", json("2026-11-23T01:02:03.000000Z")},
        {1184, "infinity", json("infinity")},
        {1184, "-infinity", json("-infinity")},
        {1184, "0044-03-15 12:00:00+00 BC", json("0044-03-15 12:00:00+00 BC")},
        {1184, "10000-01-01 00:00:00+00", json("10000-01-01 00:00:00+00")},
    });
}

TEST_CASE("timestamp becomes ISO 8601 without a zone", "[pg_value]") {
    check_rows({
        {1114, "2026-11-23 01:02:03.5", json("2026-11-23T01:02:03.5")},
        {1114, "2026-11-23 01:02:03", json("2026-11-23T01:02:03")},
        {1114, "infinity", json("infinity")},
        {1114, "-infinity", json("-infinity")},
        {1114, "0044-03-15 12:00:00 BC", json("0044-03-15 12:00:00 BC")},
    });
}

TEST_CASE("date, time, timetz and interval stay strings", "[pg_value]") {
    check_rows({
        {1082, "2026-11-23", json("2026-11-23")},
        {1082, "infinity", json("infinity")},
        {1083, "01:02:03.5", json("01:02:03.5")},
        {1266, "01:02:03+02", json("01:02:03+02")},
        {1186, "P1Y2M3DT4H5M6.5S", json("P1Y2M3DT4H5M6.5S")},
    });
}

TEST_CASE("json and jsonb embed the value", "[pg_value]") {
    check_rows({
        {114, R"({"a": [1, 2.5, null, "x"]})", json::parse(R"({"a":[1,2.5,null,"x"]})")},
        {3802, R"({"b": true})", json::parse(R"({"b":true})")},
        {3802, "42", json(42)},
        {3802, R"("s")", json("s")},
        {3802, "null", json(nullptr)},
        {114, "{not json", json("{not json")},
    });
}

TEST_CASE("strings: uuid, text, varchar, bpchar, name, char, bytea, enums and unknown types",
          "[pg_value]") {
    check_rows({
        {2950, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
         json("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")},
        {25, "hello, {world}", json("hello, {world}")},
        {25, "", json("")},
        {1043, "v", json("v")},
        {1042, "ab  ", json("ab  ")},
        {19, "pg_class", json("pg_class")},
        {18, "x", json("x")},
        {17, "\\x0102ff", json("\\x0102ff")},
        {90001, "happy", json("happy")},
        {600, "(1,2)", json("(1,2)")},
    });
}

TEST_CASE("bad input for typed columns stays a string", "[pg_value]") {
    check_rows({
        {23, "12x", json("12x")},
        {23, "", json("")},
        {20, "9223372036854775808", json("9223372036854775808")},
        {21, " 1", json(" 1")},
        {701, "1.5abc", json("1.5abc")},
        {16, "true", json("true")},
        {1184, "yesterday", json("yesterday")},
        {1184, "2026-11-23 01:02:03.+00", json("2026-11-23 01:02:03.+00")},
        {1114, "2026-11-23 01:02:03+00", json("2026-11-23 01:02:03+00")},
        {1007, "{1,2", json("{1,2")},
        {1007, "1,2}", json("1,2}")},
        {1007, "{1,2}x", json("{1,2}x")},
        {1007, "{,}", json("{,}")},
        {1009, R"({"abc})", json(R"({"abc})")},
        {1009, R"({a"b})", json(R"({a"b})")},
        {1007, "[1:2{1,2}", json("[1:2{1,2}")},
        {1007, "[a:2]={1,2}", json("[a:2]={1,2}")},
        {1007, "{{{{{{{1}}}}}}}", json("{{{{{{{1}}}}}}}")},
    });
}

TEST_CASE("arrays convert their elements by the element type", "[pg_value]") {
    check_rows({
        {1007, "{1,2,NULL}", json::parse("[1,2,null]")},
        {1005, "{-1}", json::parse("[-1]")},
        {1016, "{9223372036854775807}", json::parse("[9223372036854775807]")},
        {1028, "{26,4294967295}", json::parse("[26,4294967295]")},
        {1000, "{t,f,NULL}", json::parse("[true,false,null]")},
        {1021, "{1.5,NaN,-Infinity}", json::parse(R"([1.5,"NaN","-Infinity"])")},
        {1022, "{0.25}", json::parse("[0.25]")},
        {1231, "{1.10,NaN}", json::parse(R"(["1.10","NaN"])")},
        {2951, "{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}",
         json::parse(R"(["a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"])")},
        {1185, R"({"2026-11-23 01:02:03.5+00",infinity})",
         json::parse(R"(["2026-11-23T01:02:03.5Z","infinity"])")},
        {1115, R"({"2026-11-23 01:02:03"})", json::parse(R"(["2026-11-23T01:02:03"])")},
        {1182, "{2026-11-23,-infinity}", json::parse(R"(["2026-11-23","-infinity"])")},
        {199, R"({"{\"a\": 1}","[1, 2]",NULL})", json::parse(R"([{"a":1},[1,2],null])")},
        {3807, R"({"{\"k\": \"v\\\"w\"}"})", json::parse(R"([{"k":"v\"w"}])")},
        {1003, "{pg_class,pg_type}", json::parse(R"(["pg_class","pg_type"])")},
        {1001, R"({"\\x0102","\\x"})", json::parse(R"(["\\x0102","\\x"])")},
        {1015, "{a,b}", json::parse(R"(["a","b"])")},
        {1014, R"({"a ","b "})", json::parse(R"(["a ","b "])")},
    });
}

TEST_CASE("array quoting: spaces, escapes, NULL versus the string NULL, empty strings",
          "[pg_value]") {
    check_rows({
        {1009, R"({"a b","c\"d",NULL,"NULL"})", json::parse(R"(["a b","c\"d",null,"NULL"])")},
        {1009, R"({"back\\slash","{braces}","com,ma",""})",
         json::parse(R"(["back\\slash","{braces}","com,ma",""])")},
        {1009, "{null,Null}", json::parse("[null,null]")},
        {1009, R"({"null"})", json::parse(R"(["null"])")},
        {1009, "{NULLx,xNULL}", json::parse(R"(["NULLx","xNULL"])")},
    });
}

TEST_CASE("arrays: empty, nested, and with a dimension decoration", "[pg_value]") {
    check_rows({
        {1007, "{}", json::array()},
        {1009, "{}", json::array()},
        {1007, "{{1,2},{3,4}}", json::parse("[[1,2],[3,4]]")},
        {1007, "{{{1},{2}},{{3},{NULL}}}", json::parse("[[[1],[2]],[[3],[null]]]")},
        {1009, R"({{a,"b c"},{NULL,d}})", json::parse(R"([["a","b c"],[null,"d"]])")},
        {1007, "[0:1]={1,2}", json::parse("[1,2]")},
        {1007, "[-2:-1]={1,2}", json::parse("[1,2]")},
        {1007, "[0:1][1:2]={{1,2},{3,4}}", json::parse("[[1,2],[3,4]]")},
        {1007, "{{{{{{1}}}}}}", json::parse("[[[[[[1]]]]]]")},
    });
}

TEST_CASE("array element types of the built-in arrays", "[pg_value]") {
    const std::vector<std::pair<std::uint32_t, std::uint32_t>> known = {
        {1005, 21},   {1007, 23},   {1016, 20},   {1009, 25},   {1015, 1043},
        {1014, 1042}, {1000, 16},   {1021, 700},  {1022, 701},  {1231, 1700},
        {2951, 2950}, {1185, 1184}, {1115, 1114}, {1182, 1082}, {199, 114},
        {3807, 3802}, {1003, 19},   {1028, 26},   {1001, 17}};
    for (const auto& [array, element] : known) {
        INFO(array);
        CHECK(array_element_type(array) == element);
    }
    CHECK_FALSE(array_element_type(23).has_value());
    CHECK_FALSE(array_element_type(0).has_value());
    CHECK_FALSE(array_element_type(1020).has_value());  // box[]: not in the table
    // Arrays the table does not know stay strings.
    CHECK(value_to_json(1020, "{(1,1),(0,0)}") == json("{(1,1),(0,0)}"));
}

TEST_CASE("append_value_json writes the same value as value_to_json", "[pg_value]") {
    const std::vector<std::pair<std::uint32_t, std::string>> cases = {
        {20, "9223372036854775807"},
        {20, "-42"},
        {23, "0"},
        {23, "007"},  // not PostgreSQL's output; must still come out as valid JSON
        {23, "12a"},
        {21, "-"},
        {16, "t"},
        {16, "f"},
        {16, "x"},
        {1700, "12345.67890"},
        {1700, "NaN"},
        {790, "$1,234.50"},
        {25, "plain"},
        {25, "quote \" backslash \\ newline \n tab \t bell \x07"},
        {25, "ünïcødé ✓"},
        {25, ""},
        {1043, "varchar"},
        {2950, "6f1c1a52-3b8e-4c4e-9f0a-2d9b8f1e7a10"},
        {3802, R"({"a": [1, 2, {"b": null}]})"},
        {114, R"({"kept": "as written"})"},
        {114, "not json"},
        {701, "1.5"},
        {701, "1e+100"},
        {701, "NaN"},
        {701, "-Infinity"},
        {1184, "2026-11-23 01:02:03.5+00"},
        {1184, "infinity"},
        {1114, "2026-11-23 01:02:03"},
        {1082, "2026-11-23"},
        {1007, "{1,2,NULL}"},
        {1009, R"({"a b",c,NULL,"NULL"})"},
        {17, "\\x00ff"},
        {99999, "unknown type"},
    };
    for (const auto& [oid, text] : cases) {
        INFO("oid " << oid << " text " << text);
        std::string out;
        etp::pg::append_value_json(out, oid, text);
        const auto parsed = nlohmann::json::parse(out, nullptr, false);
        REQUIRE_FALSE(parsed.is_discarded());
        CHECK(parsed == etp::pg::value_to_json(oid, text));
    }
}

TEST_CASE("append_json_string replaces invalid UTF-8 instead of throwing", "[pg_value]") {
    std::string out;
    etp::pg::append_json_string(out, std::string("ok \xff\xfe end"));
    const auto parsed = nlohmann::json::parse(out, nullptr, false);
    REQUIRE_FALSE(parsed.is_discarded());
    CHECK(parsed.get<std::string>().find("ok ") == 0);
}
