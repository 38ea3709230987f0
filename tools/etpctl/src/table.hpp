#pragma once
// Output for people: aligned columns, and "field: value" blocks for one object. Pure.

#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

namespace etp::ctl {

// A JSON value as one cell: strings as they are, null as "-", numbers and booleans as JSON
// writes them, objects and arrays as compact JSON. Control characters (a newline in a name)
// become spaces, so that a row stays one line.
std::string cell_text(const nlohmann::json& value);

// Columns separated by two spaces, each as wide as its widest cell (counted in characters,
// not bytes), headers first; no trailing blanks.
class Table {
 public:
    explicit Table(std::vector<std::string> headers);
    void add_row(std::vector<std::string> cells);  // missing cells are empty
    void print(std::ostream& out) const;

 private:
    std::vector<std::string> headers_;
    std::vector<std::vector<std::string>> rows_;
};

// "name:     value" lines, the values aligned.
void print_fields(std::ostream& out,
                  const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace etp::ctl
