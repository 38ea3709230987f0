#include "etp/domain/cdc_tables.hpp"

#include <algorithm>

#include "etp/domain/error.hpp"

namespace etp {

bool is_system_schema(std::string_view schema) noexcept {
    return schema == "information_schema" || schema.starts_with("pg_");
}

std::string_view schema_of(std::string_view table) noexcept {
    const auto dot = table.find('.');
    return dot == std::string_view::npos ? std::string_view() : table.substr(0, dot);
}

std::vector<std::string> parse_cdc_tables(const std::string& list) {
    std::vector<std::string> tables;
    std::size_t start = 0;
    while (start <= list.size()) {
        auto end = list.find(',', start);
        if (end == std::string::npos) end = list.size();
        std::string item = list.substr(start, end - start);
        const auto first = item.find_first_not_of(" \t");
        const auto last = item.find_last_not_of(" \t");
        item = first == std::string::npos ? "" : item.substr(first, last - first + 1);
        if (!item.empty()) {
            if (item.find('.') == std::string::npos) item.insert(0, "public.");
            const auto dot = item.find('.');
            if (dot == 0 || dot + 1 == item.size() || item.find('.', dot + 1) != std::string::npos)
                throw Error(ErrorKind::kInvalidInput,
                            "CDC_TABLES: '" + item + "' must be schema.table");
            if (is_system_schema(schema_of(item)))
                throw Error(ErrorKind::kInvalidInput,
                            "CDC_TABLES: '" + item +
                                "' is in a system schema; PostgreSQL's own tables are never "
                                "captured");
            if (std::find(tables.begin(), tables.end(), item) == tables.end())
                tables.push_back(item);
        }
        start = end + 1;
    }
    return tables;
}

std::string cdc_table_refusal(const std::string& table, const std::vector<std::string>& allowed) {
    if (is_system_schema(schema_of(table)))
        return "it is in a system schema (" + std::string(schema_of(table)) +
               "); PostgreSQL's own tables are never captured";
    if (allowed.empty() || std::find(allowed.begin(), allowed.end(), table) != allowed.end())
        return "";
    std::string list;
    for (const auto& t : allowed) list += (list.empty() ? "" : ", ") + t;
    return "it is not in CDC_TABLES, the tables this deployment may capture: " + list;
}

}  // namespace etp
