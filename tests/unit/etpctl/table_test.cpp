// Tables for people: aligned by characters, one line per row, null as "-".
#include "table.hpp"

#include <catch2/catch.hpp>
#include <sstream>

using etp::ctl::cell_text;
using etp::ctl::Table;
using nlohmann::json;

TEST_CASE("Columns are as wide as their widest cell, two spaces apart", "[table]") {
    Table table({"ID", "NAME", "ACTIVE"});
    table.add_row({"1", "order placed", "true"});
    table.add_row({"22", "x", "false"});
    std::ostringstream out;
    table.print(out);
    CHECK(out.str() ==
          "ID  NAME          ACTIVE\n"
          "1   order placed  true\n"
          "22  x             false\n");
}

TEST_CASE("Width counts characters, not UTF-8 bytes; no trailing blanks", "[table]") {
    Table table({"NAME", "X"});
    table.add_row({"Grüße", "1"});
    table.add_row({"ab", ""});
    std::ostringstream out;
    table.print(out);
    CHECK(out.str() ==
          "NAME   X\n"
          "Grüße  1\n"
          "ab\n");
}

TEST_CASE("A row with a newline in a cell stays one line; missing cells are empty", "[table]") {
    Table table({"A", "B", "C"});
    table.add_row({"two\nlines"});
    std::ostringstream out;
    table.print(out);
    CHECK(out.str() ==
          "A          B  C\n"
          "two lines\n");
}

TEST_CASE("cell_text writes JSON values for a cell", "[table]") {
    CHECK(cell_text(json()) == "-");
    CHECK(cell_text(json("text")) == "text");
    CHECK(cell_text(json(true)) == "true");
    CHECK(cell_text(json(42)) == "42");
    CHECK(cell_text(json::parse(R"({"a":[1,2]})")) == R"({"a":[1,2]})");
    CHECK(cell_text(json("a\tb\nc")) == "a b c");
}

TEST_CASE("print_fields aligns values after the names", "[table]") {
    std::ostringstream out;
    etp::ctl::print_fields(out, {{"id", "1"}, {"version", "3"}});
    CHECK(out.str() ==
          "id:       1\n"
          "version:  3\n");
}
