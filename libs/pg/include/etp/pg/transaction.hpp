#pragma once
// BEGIN on construction, ROLLBACK on destruction unless commit() succeeded. Not thread-safe;
// lives on the stack of the thread that owns the connection.

#include "etp/pg/connection.hpp"

namespace etp::pg {

class Transaction {
 public:
    explicit Transaction(Connection& conn);  // BEGIN; throws DatabaseError
    ~Transaction();                          // ROLLBACK when still open; never throws
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    Result exec(std::string_view sql, const Params& params = {}) { return conn_.exec(sql, params); }
    void commit();  // COMMIT; throws DatabaseError (the transaction is then closed)
    Connection& connection() noexcept { return conn_; }

 private:
    Connection& conn_;
    bool open_ = true;
};

}  // namespace etp::pg
