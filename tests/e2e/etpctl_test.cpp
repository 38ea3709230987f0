// etpctl, the built binary run as a user runs it, against the real gateway (and the dispatcher,
// which logs the events): its output (tables and -o json), exit codes and stderr, and what the
// gateway then holds.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "platform.hpp"

using namespace std::chrono_literals;
using Catch::Matchers::Contains;
using etp::e2e::api;
using etp::e2e::body_of;
using etp::e2e::eventually;
using etp::e2e::platform;
using etp::testing::CommandResult;
using etp::testing::Env;
using nlohmann::json;

namespace {

std::string gateway_url() {
    return "http://127.0.0.1:" + std::to_string(platform().gateway.http_port);
}

// The gateway and the key from the environment, as a shell that sourced .run/env has them.
Env configured() {
    return {{"ETP_GATEWAY_URL", gateway_url()}, {"ETP_API_KEY", etp::e2e::kAdminKey}};
}

CommandResult etpctl(const std::vector<std::string>& args, const Env& env = configured()) {
    auto result = etp::testing::run_command(ETPCTL_BIN, args, env, 60s);
    UNSCOPED_INFO("etpctl exit " << result.exit_code << "\nstdout:\n"
                                 << result.out << "\nstderr:\n"
                                 << result.err);
    return result;
}

// Runs etpctl with -o json and parses its output; the command must succeed.
json etpctl_json(std::vector<std::string> args) {
    args.insert(args.end(), {"-o", "json"});
    const auto result = etpctl(args);
    REQUIRE(result.exit_code == 0);
    return json::parse(result.out);
}

// Files the commands read (definitions, payloads, a .run/env), removed at exit.
struct TempDir {
    std::filesystem::path path =
        std::filesystem::temp_directory_path() / ("etp-e2e-etpctl-" + std::to_string(::getpid()));
    TempDir() { std::filesystem::create_directories(path); }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
};

const std::filesystem::path& temp_dir() {
    static const TempDir kDir;
    return kDir.path;
}

std::string write_file(const std::string& name, const std::string& text) {
    const auto path = temp_dir() / name;
    std::ofstream(path) << text;
    return path.string();
}

bool lists_event(const std::string& trigger, const std::string& event) {
    const auto page = etpctl_json({"events", "list", "--trigger", trigger, "--show-test"});
    for (const auto& e : page["items"]) {
        if (e["id"] == event) return true;
    }
    return false;
}

}  // namespace

TEST_CASE("A trigger from a file to its deletion, through etpctl", "[etpctl]") {
    const auto file = write_file(
        "orders.json",
        R"({"name": "etpctl orders", "type": "api", "api_schema": {"amount": "float"}})");

    // create -f, -o json: the gateway's answer, and the trigger is there.
    const auto created = etpctl_json({"triggers", "create", "-f", file});
    const std::string id = created["id"];
    CHECK(created["name"] == "etpctl orders");
    CHECK(body_of(api().get("/api/v1/triggers/" + id))["name"] == "etpctl orders");

    // list as a table: a header, and the trigger on a line of its own.
    auto list = etpctl({"triggers", "list", "--q", "etpctl orders"});
    REQUIRE(list.exit_code == 0);
    CHECK(list.out.starts_with("ID "));
    CHECK_THAT(list.out, Contains("NAME") && Contains("ACTIVE"));
    CHECK_THAT(list.out, Contains(id + "  etpctl orders  api "));
    // ... and as JSON for scripts.
    const auto page = etpctl_json({"triggers", "list", "--type", "api"});
    bool listed = false;
    for (const auto& t : page["items"]) listed = listed || t["id"] == id;
    CHECK(listed);

    // get: field lines, or the trigger as JSON.
    auto got = etpctl({"triggers", "get", id});
    REQUIRE(got.exit_code == 0);
    CHECK_THAT(got.out, Contains("name:") && Contains("etpctl orders"));
    CHECK_THAT(got.out, Contains("version:") && Contains(id));
    CHECK(etpctl_json({"triggers", "get", id})["version"] == 1);

    // fire: the event id; the dispatcher logs it and events list/get show it.
    const auto fired = etpctl_json({"triggers", "fire", id, "-d", R"({"amount": 12.5})"});
    const std::string event = fired["event_id"];
    REQUIRE(eventually([&] { return lists_event(id, event); }, 30s));
    auto events_table = etpctl({"events", "list", "--trigger", id});
    REQUIRE(events_table.exit_code == 0);
    CHECK_THAT(events_table.out, Contains("TRIGGERED_AT") && Contains(event));
    CHECK_THAT(events_table.out, Contains("etpctl orders"));
    const auto logged = etpctl_json({"events", "get", event});
    CHECK(logged["payload"] == json{{"amount", 12.5}});
    CHECK(logged["trigger"]["id"] == id);
    CHECK(logged["source"] == "api");
    auto event_fields = etpctl({"events", "get", event});
    REQUIRE(event_fields.exit_code == 0);
    CHECK_THAT(event_fields.out, Contains("payload:") && Contains(R"({"amount":12.5})"));

    // A payload the schema refuses: exit 1, the detail and the field on stderr, nothing out.
    auto refused = etpctl({"triggers", "fire", id, "-d", R"({"amount": "lots"})"});
    CHECK(refused.exit_code == 1);
    CHECK(refused.out.empty());
    CHECK_THAT(refused.err, Contains("422") && Contains("api_schema") && Contains("/amount"));

    // deactivate / activate, and fire refused while inactive.
    CHECK(etpctl_json({"triggers", "deactivate", id})["active"] == false);
    CHECK(body_of(api().get("/api/v1/triggers/" + id))["active"] == false);
    auto inactive = etpctl({"triggers", "fire", id});
    CHECK(inactive.exit_code == 1);
    CHECK_THAT(inactive.err, Contains("409") && Contains("inactive"));
    auto activated = etpctl({"triggers", "activate", id});
    REQUIRE(activated.exit_code == 0);
    CHECK_THAT(activated.out, Contains("active:") && Contains("true"));
    CHECK(body_of(api().get("/api/v1/triggers/" + id))["active"] == true);

    // A test firing, and archiving an event.
    const auto tested = etpctl_json({"triggers", "test", id, "-d", R"({"amount": 1})"});
    REQUIRE(eventually([&] { return lists_event(id, tested["event_id"]); }, 30s));
    CHECK(etpctl_json({"events", "archive", event})["status"] == "archived");
    CHECK(body_of(api().get("/api/v1/events/" + event))["status"] == "archived");

    // update with If-Match: a stale version is refused (412), the current one goes through.
    const auto renamed =
        write_file("renamed.json", R"({"name": "etpctl orders v2", "type": "api"})");
    const auto version =
        std::to_string(body_of(api().get("/api/v1/triggers/" + id))["version"].get<int>());
    auto stale = etpctl({"triggers", "update", id, "-f", renamed, "--if-match", "1"});
    CHECK(stale.exit_code == 1);
    CHECK_THAT(stale.err, Contains("412"));
    CHECK(etpctl_json({"triggers", "update", id, "-f", renamed, "--if-match", version})["name"] ==
          "etpctl orders v2");

    // delete, then get: a 404 with its detail, exit 1.
    auto deleted = etpctl({"triggers", "delete", id});
    REQUIRE(deleted.exit_code == 0);
    CHECK_THAT(deleted.out, Contains("deleted trigger " + id));
    CHECK(api().get("/api/v1/triggers/" + id)->status == 404);
    auto gone = etpctl({"triggers", "get", id});
    CHECK(gone.exit_code == 1);
    CHECK(gone.out.empty());
    CHECK_THAT(gone.err, Contains("etpctl: 404") && Contains(id));
}

TEST_CASE("A 400 is exit 1 with the detail and the failing field on stderr", "[etpctl]") {
    const auto file = write_file(
        "bad.json", R"({"name": "bad", "type": "scheduled", "schedule": {"cron": "* *"}})");
    auto bad = etpctl({"triggers", "create", "-f", file});
    CHECK(bad.exit_code == 1);
    CHECK(bad.out.empty());
    CHECK_THAT(bad.err, Contains("400") && Contains("/schedule/cron"));

    auto query = etpctl({"events", "list", "--page-size", "0"});
    CHECK(query.exit_code == 1);
    CHECK_THAT(query.err, Contains("400") && Contains("?page_size"));
}

TEST_CASE("keys create, use, list and revoke through etpctl", "[etpctl]") {
    const auto created =
        etpctl_json({"keys", "create", "--name", "etpctl reader", "--scope", "read"});
    const std::string key = created["key"];
    const std::string key_id = created["id"];
    CHECK(created["scopes"] == json::array({"read"}));

    // The new key works, with its scope only.
    auto who = etpctl({"whoami", "--key", key});
    REQUIRE(who.exit_code == 0);
    CHECK(who.out == "scopes: read\n");
    const auto file = write_file("reader.json", R"({"name": "by a reader", "type": "api"})");
    auto forbidden = etpctl({"triggers", "create", "-f", file, "--key", key});
    CHECK(forbidden.exit_code == 1);
    CHECK_THAT(forbidden.err, Contains("403"));

    auto listed = etpctl({"keys", "list"});
    REQUIRE(listed.exit_code == 0);
    CHECK_THAT(listed.out, Contains(key_id) && Contains("etpctl reader"));

    auto revoked = etpctl({"keys", "revoke", key_id});
    REQUIRE(revoked.exit_code == 0);
    CHECK_THAT(revoked.out, Contains("revoked key " + key_id));
    CHECK(eventually([&] { return etpctl({"whoami", "--key", key}).exit_code == 1; }, 15s));
    CHECK_THAT(etpctl({"whoami", "--key", key}).err, Contains("401"));
    bool marked = false;
    const auto keys = etpctl_json({"keys", "list"});
    for (const auto& k : keys["items"]) {
        if (k["id"] == key_id) marked = !k["revoked_at"].is_null();
    }
    CHECK(marked);
}

TEST_CASE("secrets rotate and list, schedules preview, health", "[etpctl]") {
    const auto file = write_file(
        "hooked.json",
        R"({"name": "etpctl hooked", "type": "api", "target": {"url": "http://127.0.0.1:9/h"}})");
    const std::string id = etpctl_json({"triggers", "create", "-f", file})["id"];
    const auto rotated = etpctl_json({"secrets", "rotate", id, "--expire-previous-after", "60"});
    CHECK(rotated["secret"].get<std::string>().starts_with("whsec_"));
    const auto secrets = etpctl_json({"secrets", "list", id});
    CHECK(secrets["items"].size() == 2);
    CHECK(secrets["items"][0]["id"] == rotated["id"]);

    const auto preview = etpctl_json({"schedules", "preview", "30 2 * * *", "--tz", "Europe/Berlin",
                                      "--count", "3", "--after", "2031-03-28T00:00:00Z"});
    REQUIRE(preview["times"].size() == 3);
    // 02:30 in Berlin on 28 March 2031 is 01:30 UTC (summer time starts on the 30th).
    CHECK(preview["times"][0]["at"].get<std::string>().starts_with("2031-03-28T01:30:00"));
    auto table = etpctl({"schedules", "preview", "30 2 * * *", "--tz", "Europe/Berlin"});
    REQUIRE(table.exit_code == 0);
    CHECK_THAT(table.out, Contains("LOCAL (Europe/Berlin)"));
    auto bad_zone = etpctl({"schedules", "preview", "30 2 * * *", "--tz", "Mars/Olympus"});
    CHECK(bad_zone.exit_code == 1);
    CHECK_THAT(bad_zone.err, Contains("/schedule/timezone"));

    // health needs no key.
    auto health = etpctl({"health"}, {{"ETP_GATEWAY_URL", gateway_url()}, {"ETP_API_KEY", ""}});
    CHECK(health.exit_code == 0);
    CHECK_THAT(health.out, Contains("status:") && Contains("ok"));
}

TEST_CASE("A webhook's deliveries, a redelivery and a test of an unsaved definition", "[etpctl]") {
    // Port 9 (discard) refuses: the delivery fails and stays pending with its error.
    const auto file = write_file(
        "refused.json",
        R"({"name": "etpctl refused", "type": "api", "target": {"url": "http://127.0.0.1:9/h"}})");
    const std::string id = etpctl_json({"triggers", "create", "-f", file})["id"];
    const std::string event = etpctl_json({"triggers", "fire", id})["event_id"];
    // Until the dispatcher logged it, the event is a 404.
    const auto attempted = [&] {
        const auto got = etpctl({"events", "get", event, "-o", "json"});
        if (got.exit_code != 0) return false;
        const auto e = json::parse(got.out);
        return !e["deliveries"].empty() && e["deliveries"][0]["attempt_count"] >= 1;
    };
    REQUIRE(eventually(attempted, 30s));
    auto shown = etpctl({"events", "get", event});
    REQUIRE(shown.exit_code == 0);
    CHECK_THAT(shown.out, Contains("DELIVERY") && Contains("LAST_ERROR"));
    CHECK_THAT(shown.out, Contains("\n1         pending"));

    auto redelivered = etpctl({"events", "redeliver", event});
    REQUIRE(redelivered.exit_code == 0);
    CHECK(redelivered.out == "event " + event + ": delivery 2 queued\n");
    REQUIRE(eventually(
        [&] {
            return etpctl_json({"events", "get", event})["deliveries"].size() == 2;
        },
        30s));

    const auto draft = write_file(
        "draft.json",
        R"({"name": "etpctl draft", "type": "api", "target": {"url": "http://127.0.0.1:9/d"}})");
    const auto tested =
        etpctl_json({"triggers", "test", "--definition", draft, "-d", R"({"draft": true})"});
    CHECK(tested["secret"].get<std::string>().starts_with("whsec_"));
    const std::string test_event = tested["event_id"];
    REQUIRE(eventually([&] { return etpctl({"events", "get", test_event}).exit_code == 0; }, 30s));
    const auto logged = etpctl_json({"events", "get", test_event});
    CHECK(logged["is_test"] == true);
    CHECK(logged["payload"] == json{{"draft", true}});
    CHECK(logged["trigger"]["name"] == "etpctl draft");

    // Neither an ID nor --definition, or both: usage.
    CHECK(etpctl({"triggers", "test"}).exit_code == 2);
    CHECK(etpctl({"triggers", "test", id, "--definition", draft}).exit_code == 2);
}

TEST_CASE("events tail --follow prints new events of its trigger until SIGTERM", "[etpctl]") {
    const auto file = write_file("tailed.json", R"({"name": "etpctl tailed", "type": "api"})");
    const std::string id = etpctl_json({"triggers", "create", "-f", file})["id"];
    const auto other_file = write_file("other.json", R"({"name": "etpctl other", "type": "api"})");
    const std::string other = etpctl_json({"triggers", "create", "-f", other_file})["id"];

    Env env = configured();
    etp::testing::ServiceProcess tail(
        ETPCTL_BIN, env,
        {"events", "tail", "--follow", "--trigger", id, "--interval", "0.2", "-o", "json"});
    tail.start();
    std::vector<std::string> fired;
    fired.reserve(3);
    for (int i = 0; i < 3; ++i) {
        fired.push_back(
            etpctl_json({"triggers", "fire", id, "-d", json{{"n", i}}.dump()})["event_id"]);
    }
    const std::string elsewhere = etpctl_json({"triggers", "fire", other})["event_id"];
    REQUIRE(eventually(
        [&] {
            const auto output = tail.output();
            return output.find(fired.back()) != std::string::npos;
        },
        30s));
    REQUIRE(eventually([&] { return lists_event(other, elsewhere); }, 30s));
    std::this_thread::sleep_for(1s);  // a few more polls: nothing is printed twice
    CHECK(tail.terminate(10s) == 0);

    // One JSON object per line, each event once, oldest first, none of the other trigger.
    std::vector<std::string> printed;
    std::istringstream lines(tail.output());
    for (std::string line; std::getline(lines, line);) {
        if (line.empty() || line.front() != '{') continue;
        const auto e = json::parse(line);
        CHECK(e["trigger"]["id"] == id);
        printed.push_back(e["id"]);
    }
    CHECK(printed == fired);
}

TEST_CASE("Flags win over the environment, which wins over .run/env", "[etpctl]") {
    const auto root = temp_dir() / "repo";
    std::filesystem::create_directories(root / ".run");
    std::filesystem::create_directories(root / "sub");
    std::ofstream(root / ".run" / "env")
        << "# Written by scripts/run\nexport ETP_GATEWAY_URL=" << gateway_url()
        << "\nexport ETP_ADMIN_KEY=" << etp::e2e::kAdminKey << "\n";
    const auto back = std::filesystem::current_path();
    std::filesystem::current_path(root / "sub");  // children inherit it

    const Env unset{{"ETP_GATEWAY_URL", ""}, {"ETP_API_KEY", ""}, {"ETP_ADMIN_KEY", ""}};
    auto from_file = etpctl({"whoami"}, unset);
    CHECK(from_file.exit_code == 0);
    CHECK(from_file.out == "scopes: admin\n");

    const auto refused = "http://127.0.0.1:" + std::to_string(etp::testing::free_port());
    Env env_wins = unset;
    env_wins["ETP_GATEWAY_URL"] = refused;
    auto from_env = etpctl({"whoami"}, env_wins);
    CHECK(from_env.exit_code == 1);
    CHECK_THAT(from_env.err, Contains("cannot reach the gateway at " + refused));

    auto from_flag = etpctl({"whoami", "--url", gateway_url()}, env_wins);
    CHECK(from_flag.exit_code == 0);
    auto wrong_key = etpctl({"whoami", "--key", "not-a-key"}, unset);
    CHECK(wrong_key.exit_code == 1);
    CHECK_THAT(wrong_key.err, Contains("401"));

    std::filesystem::current_path(back);
}

TEST_CASE("Connection refused is exit 1 with a clear message", "[etpctl]") {
    const auto url = "http://127.0.0.1:" + std::to_string(etp::testing::free_port());
    for (const std::vector<std::string>& args :
         {std::vector<std::string>{"health"}, {"triggers", "list"}}) {
        auto result = etpctl(args, {{"ETP_GATEWAY_URL", url}, {"ETP_API_KEY", "k"}});
        CHECK(result.exit_code == 1);
        CHECK(result.out.empty());
        CHECK_THAT(result.err, Contains("etpctl: cannot reach the gateway at " + url) &&
                                   Contains("could not connect"));
    }
}

TEST_CASE("Bad usage is exit 2; --help on every command is exit 0", "[etpctl]") {
    auto missing = etpctl({"triggers", "get"});
    CHECK(missing.exit_code == 2);
    CHECK_THAT(missing.err, Contains("needs ID") && Contains("--help"));
    CHECK(etpctl({"triggers", "frobnicate"}).exit_code == 2);
    CHECK(etpctl({"events", "list", "--bogus"}).exit_code == 2);
    CHECK(etpctl({}).exit_code == 2);

    // Every command the top-level help lists.
    auto top = etpctl({"--help"});
    REQUIRE(top.exit_code == 0);
    std::istringstream lines(top.out.substr(top.out.find("Commands:")));
    int commands = 0;
    std::string line;
    std::getline(lines, line);
    while (std::getline(lines, line) && line.starts_with("  ")) {
        std::istringstream words(line);
        std::vector<std::string> args;
        std::string first, second;
        words >> first >> second;
        args.push_back(first);
        // A group's commands are two words; a summary starts with a capital.
        if (!second.empty() && std::islower(static_cast<unsigned char>(second[0]))) {
            args.push_back(second);
        }
        args.push_back("--help");
        auto help = etpctl(args);
        CHECK(help.exit_code == 0);
        CHECK_THAT(help.out, Contains("Usage: etpctl " + first));
        ++commands;
    }
    CHECK(commands >= 20);
}

TEST_CASE("The bash completion script completes commands and options", "[etpctl]") {
    const auto complete = [](const std::string& words, int cword) {
        const std::string script = "source <(\"$ETPCTL\" completion bash) && COMP_WORDS=(" + words +
                                   ") && COMP_CWORD=" + std::to_string(cword) +
                                   " && _etpctl && echo \"${COMPREPLY[*]}\"";
        return etp::testing::run_command("/bin/bash", {"-c", script}, {{"ETPCTL", ETPCTL_BIN}},
                                         30s);
    };
    auto groups = complete("etpctl tr", 1);
    REQUIRE(groups.exit_code == 0);
    CHECK(groups.out == "triggers\n");
    auto subs = complete("etpctl triggers de", 2);
    CHECK(subs.out == "delete deactivate\n");
    auto options = complete("etpctl -o json events tail --fo", 5);
    CHECK(options.out == "--follow\n");
    auto output = complete("etpctl health -o ", 3);
    CHECK(output.out == "table json\n");
}
