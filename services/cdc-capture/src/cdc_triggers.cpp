#include "cdc_triggers.hpp"

#include "etp/runtime/log.hpp"

namespace etp::cdc_capture {

bool CdcTrigger::matches(std::string_view op, const nlohmann::json& document) const {
    const bool wanted = (op == "c" && on_insert) || (op == "u" && on_update) ||
                        (op == "d" && on_delete) || (op == "r" && on_read);
    return wanted && (!filter || filter->matches(document));
}

const std::vector<CdcTrigger>* CdcTriggerSnapshot::for_table(const std::string& table) const {
    auto it = by_table.find(table);
    return it == by_table.end() ? nullptr : &it->second;
}

const DocumentNeeds* CdcTriggerSnapshot::needs_of(const std::string& table) const {
    auto it = needs.find(table);
    return it == needs.end() ? nullptr : &it->second;
}

void CdcTriggerSnapshot::add(const std::string& table, CdcTrigger trigger) {
    auto& table_needs = needs[table];
    if (trigger.filter) table_needs.add(trigger.filter->pattern());
    by_table[table].push_back(std::move(trigger));
    ++count;
}

void DocumentNeeds::add(const nlohmann::json& pattern) {
    if (!pattern.is_object()) return;
    auto fold = [](const nlohmann::json* node, bool& all, std::set<std::string>& columns) {
        if (!node) return;
        if (!node->is_object()) {
            all = true;
            return;
        }
        for (const auto& [column, _] : node->items()) columns.insert(column);
    };
    auto field = [&](const char* name) {
        auto it = pattern.find(name);
        return it == pattern.end() ? nullptr : &*it;
    };
    fold(field("before"), all_before, before);
    fold(field("after"), all_after, after);
}

std::shared_ptr<const CdcTriggerSnapshot> load_cdc_triggers(pg::Connection& conn) {
    auto rows = conn.exec(
        "SELECT id::text AS id, name, cdc::text AS cdc FROM triggers "
        "WHERE type = 'cdc' AND active AND cdc IS NOT NULL ORDER BY created_at, id");
    auto snapshot = std::make_shared<CdcTriggerSnapshot>();
    for (int i = 0; i < rows.rows(); ++i) {
        const std::string id_text(rows.text(i, "id"));
        try {
            const auto cdc = nlohmann::json::parse(rows.text(i, "cdc"));
            CdcTrigger trigger;
            trigger.id = TriggerId::parse(id_text).value();
            trigger.name = std::string(rows.text(i, "name"));
            for (const auto& op : cdc.at("operations")) {
                const auto name = op.get<std::string>();
                trigger.on_insert |= name == "insert";
                trigger.on_update |= name == "update";
                trigger.on_delete |= name == "delete";
                trigger.on_read |= name == "read";
            }
            if (auto f = cdc.find("filter"); f != cdc.end() && !f->is_null())
                trigger.filter = FilterPattern::parse(*f, "/cdc/filter");
            snapshot->add(cdc.at("table").get<std::string>(), std::move(trigger));
        } catch (const std::exception& e) {
            log::error("stored cdc trigger does not parse; it does not fire",
                       {{"trigger_id", id_text}, {"error", e.what()}});
        }
    }
    return snapshot;
}

CdcTriggerSet::CdcTriggerSet() {
    auto placeholder = std::make_shared<CdcTriggerSnapshot>();
    placeholder->loaded = false;
    snapshot_ = std::move(placeholder);
}

std::shared_ptr<const CdcTriggerSnapshot> CdcTriggerSet::get() const {
    std::lock_guard lock(mutex_);
    return snapshot_;
}

void CdcTriggerSet::replace(std::shared_ptr<const CdcTriggerSnapshot> snapshot) {
    std::lock_guard lock(mutex_);
    snapshot_ = std::move(snapshot);
}

}  // namespace etp::cdc_capture
