#include "etp/pg/transaction.hpp"

#include <libpq-fe.h>

#include "etp/pg/error.hpp"
#include "etp/runtime/log.hpp"

namespace etp::pg {

Transaction::Transaction(Connection& conn) : conn_(conn) { conn_.exec("BEGIN"); }

Transaction::~Transaction() {
    if (!open_) return;
    try {
        conn_.exec("ROLLBACK");
    } catch (const std::exception& e) {
        // Usually the connection broke; the server rolls back on its own then, and Pool drops
        // the connection because it is no longer open (or no longer idle).
        log::warn("rollback failed", {{"error", e.what()}});
    } catch (...) {
        log::error("rollback failed with a non-standard exception");
    }
}

void Transaction::commit() {
    open_ = false;
    // COMMIT of a transaction that already failed "succeeds" with a ROLLBACK tag: report it,
    // or a caller that swallowed an error inside the transaction would believe it committed.
    if (PQtransactionStatus(conn_.native()) == PQTRANS_INERROR) {
        conn_.exec("ROLLBACK");
        throw DatabaseError("25P02",
                            "transaction failed earlier and was rolled back, not committed");
    }
    conn_.exec("COMMIT");
}

}  // namespace etp::pg
