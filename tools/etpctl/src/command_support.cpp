#include "command_support.hpp"

#include <algorithm>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "table.hpp"

namespace etp::ctl {

nlohmann::json read_json_file(const std::string& path) {
    std::string text;
    if (path == "-") {
        text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    } else {
        std::ifstream in(path, std::ios::binary);
        if (!in) throw UsageError("cannot read " + path);
        text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw UsageError((path == "-" ? std::string("standard input") : path) +
                         " is not JSON: " + e.what());
    }
}

nlohmann::json parse_json_option(const std::string& option, const std::string& text) {
    try {
        return nlohmann::json::parse(text);
    } catch (const nlohmann::json::parse_error& e) {
        throw UsageError("--" + option + " is not JSON: " + e.what());
    }
}

std::string segment(const std::string& id) { return url_encode(id); }

void print_json(std::ostream& out, const nlohmann::json& value) {
    out << value.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

void print_object(std::ostream& out, const nlohmann::json& object,
                  const std::vector<std::string>& order) {
    std::vector<std::pair<std::string, std::string>> fields;
    if (!object.is_object()) {
        out << cell_text(object) << "\n";
        return;
    }
    for (const auto& name : order) {
        if (object.contains(name)) fields.emplace_back(name, cell_text(object[name]));
    }
    for (const auto& [name, value] : object.items()) {
        if (std::find(order.begin(), order.end(), name) == order.end()) {
            fields.emplace_back(name, cell_text(value));
        }
    }
    print_fields(out, fields);
}

void add_option_query(Query& query, const ParsedCommandLine& line, const OptionNames& options) {
    for (const auto& [option, name] : options) {
        auto it = line.options.find(option);
        if (it == line.options.end()) continue;
        for (const auto& value : it->second) query.emplace_back(name, value);
    }
}

void add_switch_query(Query& query, const ParsedCommandLine& line, const std::string& option,
                      const std::string& name) {
    if (line.has(option)) query.emplace_back(name, "true");
}

}  // namespace etp::ctl
