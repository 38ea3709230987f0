#pragma once
// RAII over libpq. A Connection is owned by one thread at a time (not thread-safe); share
// connections through Pool. Every failure is thrown as etp::pg::DatabaseError (an etp::Error
// whose kind comes from the SQLSTATE; see error.hpp).

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct pg_conn;    // libpq's PGconn, kept out of public headers
struct pg_result;  // libpq's PGresult

namespace etp::pg {

// A query parameter in text format; nullopt is SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

// How a statement's values come back: as text, or in PostgreSQL's binary send format, which
// spares the server printing uuids and timestamps (libs/pg/src/binary_values.hpp reads it).
enum class ResultFormat { kText = 0, kBinary = 1 };

class Result {
 public:
    Result() = default;
    explicit Result(pg_result* owned);  // takes ownership

    int rows() const noexcept;
    int columns() const noexcept;
    std::int64_t affected_rows() const noexcept;  // from the command tag; 0 when none

    // Column index by name; throws etp::Error(kInternal) when the column does not exist.
    int column(std::string_view name) const;
    bool is_null(int row, int col) const;
    std::string_view text(int row, int col) const;  // "" for NULL; raw bytes if binary
    std::optional<std::string> optional_text(int row, int col) const;
    std::int64_t integer(int row, int col) const;  // throws kInternal if not an integer
    bool boolean(int row, int col) const;          // 't' / 'f'

    // Name-based conveniences.
    std::string_view text(int row, std::string_view col) const { return text(row, column(col)); }
    bool is_null(int row, std::string_view col) const { return is_null(row, column(col)); }
    std::optional<std::string> optional_text(int row, std::string_view col) const {
        return optional_text(row, column(col));
    }
    std::int64_t integer(int row, std::string_view col) const { return integer(row, column(col)); }
    bool boolean(int row, std::string_view col) const { return boolean(row, column(col)); }

 private:
    struct Clear {
        void operator()(pg_result* r) const noexcept;
    };
    std::unique_ptr<pg_result, Clear> result_;
};

class Connection {
 public:
    // Connects (blocking, bounded by connect_timeout). Throws DatabaseError(kUnavailable).
    // A positive statement_timeout becomes the session's statement_timeout: the server cancels
    // a statement running longer (SQLSTATE 57014, DatabaseError kUnavailable). Zero: the
    // server's setting (or the URL's options) applies.
    explicit Connection(const std::string& url,
                        std::chrono::seconds connect_timeout = std::chrono::seconds(5),
                        std::chrono::milliseconds statement_timeout = std::chrono::milliseconds(0));
    ~Connection();
    Connection(Connection&&) noexcept;
    Connection& operator=(Connection&&) noexcept;

    // One statement with $1..$n parameters (in text format) via PQexecParams.
    Result exec(std::string_view sql, const Params& params = {},
                ResultFormat format = ResultFormat::kText);
    // Like exec, but the statement is prepared once per connection (keyed by its text) and its
    // plan reused: for hot queries whose planning costs more than running them (a partitioned
    // table has one plan node per partition). Use only with SQL whose text has a bounded set of
    // variants at any one time, never with user values spliced into the text. A connection keeps
    // at most kMaxPrepared statements and deallocates the least recently used beyond that.
    static constexpr std::size_t kMaxPrepared = 256;
    Result exec_prepared(std::string_view sql, const Params& params = {},
                         ResultFormat format = ResultFormat::kText);
    // Several statements, no parameters (PQexec): migrations and scripts.
    void exec_script(std::string_view sql);

    // False once the server connection is broken; a Pool drops such connections.
    bool is_open() const noexcept;
    // The raw handle, for code inside libs/pg that needs libpq directly (replication).
    pg_conn* native() noexcept { return conn_.get(); }

 private:
    struct Finish {
        void operator()(pg_conn* c) const noexcept;
    };
    std::unique_ptr<pg_conn, Finish> conn_;
    struct Prepared {
        std::string name;
        std::uint64_t last_used;
    };
    std::unordered_map<std::string, Prepared> prepared_;  // by SQL text
    std::uint64_t statements_named_ = 0;
    std::uint64_t statements_used_ = 0;
};

}  // namespace etp::pg
