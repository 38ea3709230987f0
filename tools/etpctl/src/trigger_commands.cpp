// etpctl triggers ...: /api/v1/triggers and its per-trigger routes.

#include <cctype>

#include "command_support.hpp"
#include "commands.hpp"
#include "table.hpp"

namespace etp::ctl {
namespace {

const std::vector<std::string> kTriggerFields = {
    "id",         "name",         "type",          "active",       "version", "created_at",
    "updated_at", "schedule",     "payload",       "api_schema",   "cdc",     "target",
    "retry",      "next_fire_at", "last_fired_at", "completed_at", "warnings"};

std::string trigger_path(const std::string& id) { return "/api/v1/triggers/" + segment(id); }

void print_trigger(const Invocation& inv, const nlohmann::json& trigger) {
    if (inv.json()) {
        print_json(inv.out, trigger);
        return;
    }
    print_object(inv.out, trigger, kTriggerFields);
    const auto& target = trigger.contains("target") ? trigger["target"] : nlohmann::json();
    if (target.is_object() && target.contains("secret") && target["secret"].is_string()) {
        inv.err << "note: target.secret is shown this once; store it now\n";
    }
}

// --if-match 3 sends If-Match: "3"; a value with quotes or * goes as it is.
std::vector<std::pair<std::string, std::string>> if_match(const ParsedCommandLine& line) {
    auto value = line.value("if-match");
    if (!value) return {};
    const bool digits = !value->empty() && std::all_of(value->begin(), value->end(), [](char c) {
        return std::isdigit(static_cast<unsigned char>(c)) != 0;
    });
    return {{"If-Match", digits ? "\"" + *value + "\"" : *value}};
}

// The payload of fire and test: --data JSON or --file FILE (not both); nullopt for neither.
std::optional<nlohmann::json> payload_of(const ParsedCommandLine& line) {
    if (line.has("data") && line.has("file")) {
        throw UsageError("give the payload with --data or --file, not both");
    }
    if (auto data = line.value("data")) return parse_json_option("data", *data);
    if (auto file = line.value("file")) return read_json_file(*file);
    return std::nullopt;
}

int list_triggers(Invocation& inv) {
    Query query;
    add_option_query(query, inv.line,
                     {{"type", "type"},
                      {"active", "active"},
                      {"q", "q"},
                      {"page", "page"},
                      {"page-size", "page_size"}});
    const auto reply = inv.gateway().send({"GET", "/api/v1/triggers", query});
    if (inv.json()) {
        print_json(inv.out, reply.body);
        return kExitOk;
    }
    Table table({"ID", "NAME", "TYPE", "ACTIVE", "VERSION", "NEXT_FIRE_AT", "TARGET"});
    for (const auto& t : reply.body.value("items", nlohmann::json::array())) {
        const auto target = t.value("target", nlohmann::json());
        table.add_row(
            {cell_text(t.value("id", nlohmann::json())),
             cell_text(t.value("name", nlohmann::json())),
             cell_text(t.value("type", nlohmann::json())),
             cell_text(t.value("active", nlohmann::json())),
             cell_text(t.value("version", nlohmann::json())),
             cell_text(t.value("next_fire_at", nlohmann::json())),
             target.is_object() ? cell_text(target.value("url", nlohmann::json())) : "-"});
    }
    table.print(inv.out);
    const auto page = reply.body.value("page", 1);
    const auto page_size = reply.body.value("page_size", 50);
    const auto total = reply.body.value("total", 0);
    if (static_cast<long long>(page) * page_size < total) {
        inv.err << "page " << page << " of " << (total + page_size - 1) / page_size << " (" << total
                << " triggers); next: --page " << page + 1 << "\n";
    }
    return kExitOk;
}

int get_trigger(Invocation& inv) {
    print_trigger(inv, inv.gateway().send({"GET", trigger_path(inv.arg(0))}).body);
    return kExitOk;
}

int create_trigger(Invocation& inv) {
    Request request{"POST", "/api/v1/triggers"};
    request.body = read_json_file(*inv.line.value("file"));
    print_trigger(inv, inv.gateway().send(request).body);
    return kExitOk;
}

int update_trigger(Invocation& inv) {
    Request request{"PUT", trigger_path(inv.arg(0))};
    request.body = read_json_file(*inv.line.value("file"));
    request.headers = if_match(inv.line);
    print_trigger(inv, inv.gateway().send(request).body);
    return kExitOk;
}

int delete_trigger(Invocation& inv) {
    Request request{"DELETE", trigger_path(inv.arg(0))};
    request.headers = if_match(inv.line);
    inv.gateway().send(request);
    if (!inv.json()) inv.out << "deleted trigger " << inv.arg(0) << "\n";
    return kExitOk;
}

int set_active(Invocation& inv, const char* action) {
    const auto reply = inv.gateway().send({"POST", trigger_path(inv.arg(0)) + "/" + action});
    print_trigger(inv, reply.body);
    return kExitOk;
}

void print_fired(const Invocation& inv, const nlohmann::json& body) {
    if (inv.json()) {
        print_json(inv.out, body);
    } else {
        print_object(inv.out, body, {"event_id", "secret"});
    }
}

int fire_trigger(Invocation& inv) {
    Request request{"POST", trigger_path(inv.arg(0)) + "/fire"};
    request.body = payload_of(inv.line);
    if (auto key = inv.line.value("idempotency-key")) {
        request.headers.emplace_back("Idempotency-Key", *key);
    }
    print_fired(inv, inv.gateway().send(request).body);
    return kExitOk;
}

int test_trigger(Invocation& inv) {
    const auto payload = payload_of(inv.line);
    const auto definition = inv.line.value("definition");
    if (inv.line.args.empty() == !definition) {
        throw UsageError("etpctl triggers test needs a trigger ID or --definition FILE (one)");
    }
    nlohmann::json body = nlohmann::json::object();
    if (payload) body["payload"] = *payload;
    Request request{"POST", "/api/v1/triggers/test"};
    if (definition) {
        body["trigger"] = read_json_file(*definition);
    } else {
        request.path = trigger_path(inv.arg(0)) + "/test";
    }
    request.body = body;
    print_fired(inv, inv.gateway().send(request).body);
    return kExitOk;
}

OptionSpec if_match_option() {
    return {"if-match", 0, "VERSION",
            "change only if the trigger is still at this version (its ETag; * for any)"};
}

OptionSpec payload_data_option() { return {"data", 'd', "JSON", "the payload, as JSON text"}; }

OptionSpec payload_file_option() {
    return {"file", 'f', "FILE", "the payload, from a JSON file (- for standard input)"};
}

}  // namespace

void add_trigger_commands(CommandTable& table) {
    table.groups.push_back({"triggers",
                            "Trigger definitions: list, read, create, replace, "
                            "delete, turn on and off, fire and test."});
    table.commands.push_back(
        {"triggers",
         "list",
         "",
         0,
         0,
         "List triggers, newest first",
         "One page (50 by default). Example:\n  etpctl triggers list --type api --active true",
         {{"type", 0, "TYPE", "only this type: scheduled, api or cdc"},
          {"active", 0, "BOOL", "only active (true) or inactive (false) triggers"},
          {"q", 0, "TEXT", "only names containing TEXT (ignoring case)"},
          {"page", 0, "N", "page number, from 1"},
          {"page-size", 0, "N", "triggers per page (1 to 500)"}},
         list_triggers});
    table.commands.push_back(
        {"triggers",
         "get",
         "ID",
         1,
         1,
         "Show one trigger",
         "Example:\n  etpctl triggers get 01936b2e-8c4f-7a3e-9b1d-2f5c8e7a4b10",
         {},
         get_trigger});
    table.commands.push_back(
        {"triggers",
         "create",
         "-f FILE",
         0,
         0,
         "Create a trigger from a JSON definition",
         "The file holds the definition as POST /api/v1/triggers takes it (see /docs). A "
         "generated\nwebhook secret is shown this once. Example:\n"
         "  etpctl triggers create -f order-placed.json",
         {{"file", 'f', "FILE", "the definition (- for standard input); required"}},
         [](Invocation& inv) {
             if (!inv.line.has("file")) throw UsageError("etpctl triggers create needs -f FILE");
             return create_trigger(inv);
         }});
    table.commands.push_back(
        {"triggers",
         "update",
         "ID -f FILE",
         1,
         1,
         "Replace a trigger's definition",
         "Fields left out of the file take their defaults (PUT). Example:\n"
         "  etpctl triggers update 01936b2e-... -f order-placed.json --if-match 3",
         {{"file", 'f', "FILE", "the new definition (- for standard input); required"},
          if_match_option()},
         [](Invocation& inv) {
             if (!inv.line.has("file")) throw UsageError("etpctl triggers update needs -f FILE");
             return update_trigger(inv);
         }});
    table.commands.push_back({"triggers",
                              "delete",
                              "ID",
                              1,
                              1,
                              "Delete a trigger",
                              "Its logged events stay until retention drops them. Example:\n"
                              "  etpctl triggers delete 01936b2e-8c4f-7a3e-9b1d-2f5c8e7a4b10",
                              {if_match_option()},
                              delete_trigger});
    table.commands.push_back({"triggers",
                              "activate",
                              "ID",
                              1,
                              1,
                              "Turn a trigger on",
                              "Example:\n  etpctl triggers activate 01936b2e-...",
                              {},
                              [](Invocation& inv) { return set_active(inv, "activate"); }});
    table.commands.push_back({"triggers",
                              "deactivate",
                              "ID",
                              1,
                              1,
                              "Turn a trigger off without deleting it",
                              "Example:\n  etpctl triggers deactivate 01936b2e-...",
                              {},
                              [](Invocation& inv) { return set_active(inv, "deactivate"); }});
    table.commands.push_back(
        {"triggers",
         "fire",
         "ID",
         1,
         1,
         "Fire an api trigger",
         "Prints the event id once Kafka has the firing; without a payload the event's payload\n"
         "is {}. Example:\n"
         "  etpctl triggers fire 01936b2e-... -d '{\"amount\": 12.5}' --idempotency-key o-4711",
         {payload_data_option(),
          payload_file_option(),
          {"idempotency-key", 0, "KEY", "a repeat with this key and payload fires nothing"}},
         fire_trigger});
    table.commands.push_back(
        {"triggers",
         "test",
         "[ID]",
         0,
         1,
         "Fire a trigger once as a test (is_test: true), or an unsaved definition",
         "Any type, even inactive. Without a payload a scheduled trigger fires its own payload.\n"
         "Examples:\n"
         "  etpctl triggers test 01936b2e-... -d '{\"amount\": 1}'\n"
         "  etpctl triggers test --definition draft.json",
         {payload_data_option(),
          payload_file_option(),
          {"definition", 0, "FILE", "test this unsaved definition instead of a trigger ID"}},
         test_trigger});
}

}  // namespace etp::ctl
