// etpctl keys, secrets, schedules, health and whoami.

#include <sstream>

#include "command_support.hpp"
#include "commands.hpp"
#include "table.hpp"

namespace etp::ctl {
namespace {

nlohmann::json field(const nlohmann::json& object, const char* name) {
    return object.is_object() && object.contains(name) ? object[name] : nlohmann::json();
}

std::string joined(const nlohmann::json& list) {
    if (!list.is_array()) return cell_text(list);
    std::string out;
    for (const auto& item : list) out += (out.empty() ? "" : ",") + cell_text(item);
    return out;
}

// --- keys ------------------------------------------------------------------------------------

int list_keys(Invocation& inv) {
    const auto body = inv.gateway().send({"GET", "/api/v1/api-keys"}).body;
    if (inv.json()) {
        print_json(inv.out, body);
        return kExitOk;
    }
    Table table({"ID", "NAME", "SCOPES", "PREFIX", "CREATED_AT", "LAST_USED_AT", "REVOKED_AT"});
    for (const auto& k : body.value("items", nlohmann::json::array())) {
        table.add_row({cell_text(field(k, "id")), cell_text(field(k, "name")),
                       joined(field(k, "scopes")), cell_text(field(k, "key_prefix")),
                       cell_text(field(k, "created_at")), cell_text(field(k, "last_used_at")),
                       cell_text(field(k, "revoked_at"))});
    }
    table.print(inv.out);
    return kExitOk;
}

int create_key(Invocation& inv) {
    auto name = inv.line.value("name");
    if (!name) throw UsageError("etpctl keys create needs --name NAME");
    if (!inv.line.has("scope")) throw UsageError("etpctl keys create needs --scope SCOPE");
    nlohmann::json scopes = nlohmann::json::array();
    for (const auto& value : inv.line.options.at("scope")) {
        std::stringstream parts(value);
        for (std::string scope; std::getline(parts, scope, ',');) {
            if (!scope.empty()) scopes.push_back(scope);
        }
    }
    Request request{"POST", "/api/v1/api-keys"};
    request.body = {{"name", *name}, {"scopes", scopes}};
    const auto body = inv.gateway().send(request).body;
    if (inv.json()) {
        print_json(inv.out, body);
        return kExitOk;
    }
    print_object(inv.out, body, {"id", "name", "scopes", "key", "key_prefix", "created_at"});
    inv.err << "note: the key is shown this once; store it now\n";
    return kExitOk;
}

int revoke_key(Invocation& inv) {
    inv.gateway().send({"DELETE", "/api/v1/api-keys/" + segment(inv.arg(0))});
    if (!inv.json()) inv.out << "revoked key " << inv.arg(0) << "\n";
    return kExitOk;
}

// --- secrets ---------------------------------------------------------------------------------

std::string secrets_path(const std::string& trigger) {
    return "/api/v1/triggers/" + segment(trigger) + "/secrets";
}

int list_secrets(Invocation& inv) {
    const auto body = inv.gateway().send({"GET", secrets_path(inv.arg(0))}).body;
    if (inv.json()) {
        print_json(inv.out, body);
        return kExitOk;
    }
    Table table({"ID", "PREFIX", "CREATED_AT", "EXPIRES_AT"});
    for (const auto& s : body.value("items", nlohmann::json::array())) {
        table.add_row({cell_text(field(s, "id")), cell_text(field(s, "prefix")),
                       cell_text(field(s, "created_at")), cell_text(field(s, "expires_at"))});
    }
    table.print(inv.out);
    return kExitOk;
}

int rotate_secret(Invocation& inv) {
    Request request{"POST", secrets_path(inv.arg(0))};
    nlohmann::json body = nlohmann::json::object();
    if (auto secret = inv.line.value("secret")) body["secret"] = *secret;
    if (auto after = inv.line.value("expire-previous-after")) {
        try {
            std::size_t used = 0;
            const long long seconds = std::stoll(*after, &used);
            if (used != after->size()) throw std::invalid_argument(*after);
            body["expire_previous_after_seconds"] = seconds;
        } catch (const std::exception&) {
            throw UsageError("--expire-previous-after " + *after + ": a number of seconds");
        }
    }
    request.body = body;
    const auto created = inv.gateway().send(request).body;
    if (inv.json()) {
        print_json(inv.out, created);
        return kExitOk;
    }
    print_object(inv.out, created, {"id", "secret", "created_at", "expires_at"});
    inv.err << "note: the secret is shown this once; store it now\n";
    return kExitOk;
}

int delete_secret(Invocation& inv) {
    inv.gateway().send({"DELETE", secrets_path(inv.arg(0)) + "/" + segment(inv.arg(1))});
    if (!inv.json()) inv.out << "deleted secret " << inv.arg(1) << "\n";
    return kExitOk;
}

// --- schedules -------------------------------------------------------------------------------

int preview_schedule(Invocation& inv) {
    nlohmann::json schedule = {{"cron", inv.arg(0)}};
    if (auto zone = inv.line.value("tz")) schedule["timezone"] = *zone;
    nlohmann::json body = {{"schedule", schedule}};
    if (auto count = inv.line.value("count")) {
        try {
            std::size_t used = 0;
            const int n = std::stoi(*count, &used);
            if (used != count->size()) throw std::invalid_argument(*count);
            body["count"] = n;
        } catch (const std::exception&) {
            throw UsageError("--count " + *count + ": a number of fire times");
        }
    }
    if (auto after = inv.line.value("after")) body["after"] = *after;
    Request request{"POST", "/api/v1/schedules/preview"};
    request.body = body;
    const auto preview = inv.gateway().send(request).body;
    if (inv.json()) {
        print_json(inv.out, preview);
        return kExitOk;
    }
    Table table({"AT (UTC)", "LOCAL (" + cell_text(field(preview, "timezone")) + ")"});
    for (const auto& t : preview.value("times", nlohmann::json::array())) {
        table.add_row({cell_text(field(t, "at")), cell_text(field(t, "local"))});
    }
    table.print(inv.out);
    return kExitOk;
}

// --- health, whoami --------------------------------------------------------------------------

int health(Invocation& inv) {
    Request request{"GET", "/api/v1/health"};
    request.needs_key = false;
    request.also_accepted = {503};
    const auto reply = inv.gateway().send(request);
    if (inv.json()) {
        print_json(inv.out, reply.body);
    } else {
        print_object(inv.out, reply.body, {"status", "postgres", "kafka"});
    }
    if (reply.status != 200) {
        inv.err << "etpctl: the gateway is not ready (HTTP " << reply.status << ")\n";
        return kExitFailed;
    }
    return kExitOk;
}

int whoami(Invocation& inv) {
    const auto body = inv.gateway().send({"GET", "/api/v1/whoami"}).body;
    if (inv.json()) {
        print_json(inv.out, body);
    } else {
        inv.out << "scopes: " << joined(field(body, "scopes")) << "\n";
    }
    return kExitOk;
}

}  // namespace

void add_key_commands(CommandTable& table) {
    table.groups.push_back({"keys", "API keys and their scopes (needs an admin key)."});
    table.commands.push_back({"keys",
                              "list",
                              "",
                              0,
                              0,
                              "List API keys, revoked ones included",
                              "Never the keys themselves. Example:\n  etpctl keys list",
                              {},
                              list_keys});
    table.commands.push_back(
        {"keys",
         "create",
         "",
         0,
         0,
         "Create an API key",
         "The key is printed this once. Scopes: admin, write, read, fire. Example:\n"
         "  etpctl keys create --name billing --scope fire --scope read",
         {{"name", 0, "NAME", "what the key is for; required"},
          {"scope", 0, "SCOPE", "admin, write, read or fire (or a comma-separated list)", true}},
         create_key});
    table.commands.push_back({"keys",
                              "revoke",
                              "ID",
                              1,
                              1,
                              "Revoke an API key",
                              "It stops working within seconds. Example:\n"
                              "  etpctl keys revoke 01936c11-4a5b-7c6d-8e7f-9a0b1c2d3e4f",
                              {},
                              revoke_key});
}

void add_secret_commands(CommandTable& table) {
    table.groups.push_back({"secrets", "The signing secrets of a trigger's webhooks."});
    table.commands.push_back({"secrets",
                              "list",
                              "TRIGGER_ID",
                              1,
                              1,
                              "List a trigger's signing secrets (prefixes only)",
                              "Example:\n  etpctl secrets list 01936b2e-...",
                              {},
                              list_secrets});
    table.commands.push_back(
        {"secrets",
         "rotate",
         "TRIGGER_ID",
         1,
         1,
         "Add a signing secret; the old ones expire",
         "Until the old secrets expire (24 h by default) webhooks carry a signature per\n"
         "secret. The new secret is printed this once. Example:\n"
         "  etpctl secrets rotate 01936b2e-... --expire-previous-after 3600",
         {{"secret", 0, "SECRET", "use this secret (whsec_...) instead of a generated one"},
          {"expire-previous-after", 0, "SECONDS",
           "when the previous secrets stop signing (0: now)"}},
         rotate_secret});
    table.commands.push_back({"secrets",
                              "delete",
                              "TRIGGER_ID SECRET_ID",
                              2,
                              2,
                              "Delete a signing secret (never the last unexpired one)",
                              "Example:\n  etpctl secrets delete 01936b2e-... 01936b2f-...",
                              {},
                              delete_secret});
}

void add_schedule_commands(CommandTable& table) {
    table.groups.push_back({"schedules", "Schedules, tried out before a trigger uses them."});
    table.commands.push_back(
        {"schedules",
         "preview",
         "CRON",
         1,
         1,
         "The next fire times of a cron schedule",
         "In UTC and on the zone's wall clock, where daylight saving time shows. Example:\n"
         "  etpctl schedules preview '30 2 * * *' --tz Europe/Berlin --count 5",
         {{"tz", 0, "ZONE", "IANA time zone (default UTC)"},
          {"count", 0, "N", "how many fire times (1 to 100, default 5)"},
          {"after", 0, "TIME", "from this RFC 3339 time (default now)"}},
         preview_schedule});
}

void add_status_commands(CommandTable& table) {
    table.commands.push_back({"",
                              "health",
                              "",
                              0,
                              0,
                              "Whether the gateway, PostgreSQL and Kafka answer",
                              "Needs no key; exit 1 when the gateway says unavailable. Example:\n"
                              "  etpctl health",
                              {},
                              health});
    table.commands.push_back({"",
                              "whoami",
                              "",
                              0,
                              0,
                              "The scopes of the key in use",
                              "Example:\n  etpctl whoami",
                              {},
                              whoami});
}

}  // namespace etp::ctl
