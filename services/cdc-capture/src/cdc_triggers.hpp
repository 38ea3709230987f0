#pragma once
// The active cdc triggers, grouped by table, as an immutable snapshot: the loader replaces the
// whole snapshot, readers keep the one they took for as long as they use it. Thread-safe.

#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "etp/domain/filter_pattern.hpp"
#include "etp/domain/ids.hpp"
#include "etp/pg/connection.hpp"

namespace etp::cdc_capture {

struct CdcTrigger {
    TriggerId id;
    std::string name;
    bool on_insert = false;
    bool on_update = false;
    bool on_delete = false;
    bool on_read = false;                 // rows of the table's initial snapshot (op r); opt in
    std::optional<FilterPattern> filter;  // none: every change of the operations

    // `op` is the envelope's c, u, d or r; `document` is {op, table, before, after}.
    bool matches(std::string_view op, const nlohmann::json& document) const;
};

// Which columns of `before` and `after` the filters of one table look at, so the filter
// document holds only those: a pattern that maps before/after to an object names columns; one
// that maps it to anything else needs the whole row.
struct DocumentNeeds {
    bool all_before = false;
    bool all_after = false;
    std::set<std::string> before;
    std::set<std::string> after;

    void add(const nlohmann::json& pattern);
};

struct CdcTriggerSnapshot {
    std::unordered_map<std::string, std::vector<CdcTrigger>> by_table;  // "schema.table"
    std::unordered_map<std::string, DocumentNeeds> needs;               // by table
    std::size_t count = 0;
    // False only for the placeholder before the first successful load: the publication must not
    // be cut down to CDC_TABLES just because the platform database did not answer yet.
    bool loaded = true;

    const std::vector<CdcTrigger>* for_table(const std::string& table) const;
    const DocumentNeeds* needs_of(const std::string& table) const;
    // Adds a trigger under its table and folds its filter into the table's needs.
    void add(const std::string& table, CdcTrigger trigger);
};

// Reads every active cdc trigger. A stored definition that no longer parses (it passed the
// gateway's validation when written) is logged and left out rather than stopping capture.
std::shared_ptr<const CdcTriggerSnapshot> load_cdc_triggers(pg::Connection& conn);

class CdcTriggerSet {
 public:
    CdcTriggerSet();
    std::shared_ptr<const CdcTriggerSnapshot> get() const;
    void replace(std::shared_ptr<const CdcTriggerSnapshot> snapshot);

 private:
    mutable std::mutex mutex_;
    std::shared_ptr<const CdcTriggerSnapshot> snapshot_;
};

}  // namespace etp::cdc_capture
