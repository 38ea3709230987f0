#include "table.hpp"

#include <algorithm>

namespace etp::ctl {
namespace {

// UTF-8 characters: every byte but the continuation bytes (10xxxxxx) starts one.
std::size_t display_width(const std::string& text) {
    return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
        return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    }));
}

std::string one_line(std::string text) {
    for (char& c : text) {
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7F) c = ' ';
    }
    return text;
}

}  // namespace

std::string cell_text(const nlohmann::json& value) {
    if (value.is_null()) return "-";
    if (value.is_string()) return one_line(value.get<std::string>());
    return one_line(value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::add_row(std::vector<std::string> cells) {
    cells.resize(headers_.size());
    for (auto& cell : cells) cell = one_line(std::move(cell));
    rows_.push_back(std::move(cells));
}

void Table::print(std::ostream& out) const {
    std::vector<std::size_t> widths;
    for (const auto& header : headers_) widths.push_back(display_width(header));
    for (const auto& row : rows_) {
        for (std::size_t i = 0; i < row.size(); ++i) {
            widths[i] = std::max(widths[i], display_width(row[i]));
        }
    }
    auto print_row = [&](const std::vector<std::string>& cells) {
        std::string line;
        for (std::size_t i = 0; i < cells.size(); ++i) {
            line += cells[i];
            if (i + 1 < cells.size()) {
                line.append(widths[i] - display_width(cells[i]) + 2, ' ');
            }
        }
        while (!line.empty() && line.back() == ' ') line.pop_back();
        out << line << "\n";
    };
    print_row(headers_);
    for (const auto& row : rows_) print_row(row);
}

void print_fields(std::ostream& out,
                  const std::vector<std::pair<std::string, std::string>>& fields) {
    std::size_t width = 0;
    for (const auto& [name, value] : fields) width = std::max(width, display_width(name));
    for (const auto& [name, value] : fields) {
        out << name << ":" << std::string(width - display_width(name) + 2, ' ') << one_line(value)
            << "\n";
    }
}

}  // namespace etp::ctl
