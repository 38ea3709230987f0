#include <libpq-fe.h>

#include <charconv>
#include <string>

#include "etp/domain/error.hpp"
#include "etp/pg/connection.hpp"

namespace etp::pg {
namespace {

[[noreturn]] void throw_internal(const std::string& message) {
    throw Error(ErrorKind::kInternal, message);
}

}  // namespace

Result::Result(pg_result* owned) : result_(owned) {}

void Result::Clear::operator()(pg_result* r) const noexcept { PQclear(r); }

int Result::rows() const noexcept { return result_ ? PQntuples(result_.get()) : 0; }

int Result::columns() const noexcept { return result_ ? PQnfields(result_.get()) : 0; }

std::int64_t Result::affected_rows() const noexcept {
    if (!result_) return 0;
    std::string_view tag = PQcmdTuples(result_.get());  // "" when the command reports none
    std::int64_t count = 0;
    auto [end, ec] = std::from_chars(tag.data(), tag.data() + tag.size(), count);
    return ec == std::errc() && end == tag.data() + tag.size() ? count : 0;
}

int Result::column(std::string_view name) const {
    // Exact match: PQfnumber would fold case and parse quotes, which surprises more than helps.
    for (int col = 0; col < columns(); ++col) {
        if (name == PQfname(result_.get(), col)) return col;
    }
    throw_internal("result has no column \"" + std::string(name) + "\"");
}

bool Result::is_null(int row, int col) const {
    if (row < 0 || row >= rows() || col < 0 || col >= columns()) {
        throw_internal("result cell (" + std::to_string(row) + ", " + std::to_string(col) +
                       ") out of range (" + std::to_string(rows()) + " rows, " +
                       std::to_string(columns()) + " columns)");
    }
    return PQgetisnull(result_.get(), row, col) == 1;
}

std::string_view Result::text(int row, int col) const {
    if (is_null(row, col)) return {};
    return {PQgetvalue(result_.get(), row, col),
            static_cast<std::size_t>(PQgetlength(result_.get(), row, col))};
}

std::optional<std::string> Result::optional_text(int row, int col) const {
    if (is_null(row, col)) return std::nullopt;
    return std::string(text(row, col));
}

std::int64_t Result::integer(int row, int col) const {
    std::string_view value = text(row, col);
    std::int64_t number = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
    if (is_null(row, col) || ec != std::errc() || end != value.data() + value.size()) {
        throw_internal("column \"" + std::string(PQfname(result_.get(), col)) +
                       "\" is not an integer: \"" + std::string(value.substr(0, 40)) + "\"");
    }
    return number;
}

bool Result::boolean(int row, int col) const {
    std::string_view value = text(row, col);
    if (!is_null(row, col)) {
        if (value == "t") return true;
        if (value == "f") return false;
    }
    throw_internal("column \"" + std::string(PQfname(result_.get(), col)) +
                   "\" is not a boolean: \"" + std::string(value.substr(0, 40)) + "\"");
}

}  // namespace etp::pg
