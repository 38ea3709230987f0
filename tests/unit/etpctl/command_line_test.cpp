// etpctl's command line: what the parser accepts and refuses, and that --help answers on every
// command without touching the network.
#include "command_line.hpp"

#include <catch2/catch.hpp>
#include <sstream>

#include "commands.hpp"
#include "etpctl.hpp"

using Catch::Matchers::Contains;
using etp::ctl::make_command_table;
using etp::ctl::OutputFormat;
using etp::ctl::parse_command_line;
using etp::ctl::UsageError;

namespace {

const etp::ctl::CommandTable& table() {
    static const auto kTable = make_command_table();
    return kTable;
}

etp::ctl::ParsedCommandLine parse(const std::vector<std::string>& args) {
    return parse_command_line(table(), args);
}

struct Ran {
    int code;
    std::string out;
    std::string err;
};

// run() with an empty environment, no .run/env, and a gateway that cannot be reached.
Ran run(const std::vector<std::string>& args) {
    std::ostringstream out, err;
    etp::ctl::Environment environment{
        [](const std::string&) -> std::optional<std::string> { return std::nullopt; },
        [] { return etp::ctl::EnvFile{}; }, [] { return false; }};
    const int code = etp::ctl::run(args, environment, out, err);
    return {code, out.str(), err.str()};
}

}  // namespace

TEST_CASE("A command is its group and name; the rest are its arguments and options", "[args]") {
    const auto line = parse({"triggers", "get", "abc"});
    REQUIRE(line.command != nullptr);
    CHECK(line.command->path() == "triggers get");
    CHECK(line.args == std::vector<std::string>{"abc"});
    CHECK(line.globals.output == OutputFormat::kTable);
    CHECK_FALSE(line.help);
}

TEST_CASE("Global options go anywhere, in every spelling", "[args]") {
    auto line = parse({"-o", "json", "events", "list", "--url=http://h:1", "--key", "k"});
    CHECK(line.globals.output == OutputFormat::kJson);
    CHECK(line.globals.url == "http://h:1");
    CHECK(line.globals.key == "k");
    CHECK(parse({"health", "-ojson"}).globals.output == OutputFormat::kJson);
    CHECK(parse({"health", "--output=table"}).globals.output == OutputFormat::kTable);
    CHECK_THROWS_WITH(parse({"health", "-o", "yaml"}), Contains("table or json"));
}

TEST_CASE("Command options take values after a space, an = or a short name", "[args]") {
    auto line = parse({"events", "list", "--trigger", "t1", "--status=all", "--show-test"});
    CHECK(line.value("trigger") == "t1");
    CHECK(line.value("status") == "all");
    CHECK(line.has("show-test"));
    CHECK_FALSE(line.has("since"));
    line = parse({"triggers", "create", "-f", "def.json"});
    CHECK(line.value("file") == "def.json");
    line = parse({"triggers", "create", "-fdef.json"});
    CHECK(line.value("file") == "def.json");
    line = parse({"triggers", "create", "-f", "-"});
    CHECK(line.value("file") == "-");
}

TEST_CASE("A repeatable option collects its values; another given twice is refused", "[args]") {
    const auto line =
        parse({"keys", "create", "--name", "n", "--scope", "read", "--scope", "fire"});
    CHECK(line.options.at("scope") == std::vector<std::string>{"read", "fire"});
    CHECK_THROWS_WITH(parse({"keys", "create", "--name", "a", "--name", "b"}),
                      Contains("--name given twice"));
}

TEST_CASE("A double dash ends the options: a value starting with a dash is an argument", "[args]") {
    const auto line = parse({"schedules", "preview", "--", "-5"});
    CHECK(line.args == std::vector<std::string>{"-5"});
}

TEST_CASE("Usage errors name what is wrong and where its help is", "[args]") {
    CHECK_THROWS_AS(parse({}), UsageError);
    CHECK_THROWS_WITH(parse({"bogus"}), Contains("unknown command 'bogus'"));
    CHECK_THROWS_WITH(parse({"triggers", "bogus"}), Contains("unknown command 'triggers bogus'"));
    CHECK_THROWS_WITH(parse({"triggers"}), Contains("etpctl triggers needs a command") &&
                                               Contains("etpctl triggers --help"));
    CHECK_THROWS_WITH(parse({"triggers", "get"}),
                      Contains("needs ID") && Contains("etpctl triggers get --help"));
    CHECK_THROWS_WITH(parse({"triggers", "get", "a", "b"}), Contains("unexpected argument 'b'"));
    CHECK_THROWS_WITH(parse({"triggers", "list", "--bogus"}),
                      Contains("unknown option --bogus") && Contains("triggers list --help"));
    CHECK_THROWS_WITH(parse({"events", "list", "--trigger"}), Contains("--trigger needs a value"));
    CHECK_THROWS_WITH(parse({"events", "list", "--show-test=yes"}), Contains("takes no value"));
    // An option of another command is unknown here.
    CHECK_THROWS_WITH(parse({"triggers", "get", "x", "--trigger", "y"}),
                      Contains("unknown option --trigger"));
}

TEST_CASE("--help wins over anything else wrong on the line", "[args]") {
    auto line = parse({"triggers", "get", "--help"});
    CHECK(line.help);
    REQUIRE(line.command != nullptr);
    CHECK(line.command->path() == "triggers get");
    line = parse({"triggers", "list", "--bogus", "-h"});
    CHECK(line.help);
    line = parse({"triggers", "--help"});
    CHECK(line.help);
    CHECK(line.command == nullptr);
    REQUIRE(line.group != nullptr);
    CHECK(line.group->name == "triggers");
    // After --, -h is an argument.
    CHECK_THROWS_AS(parse({"triggers", "get", "--", "-h", "x"}), UsageError);
}

TEST_CASE("Every command answers --help with its usage and options, exit 0", "[help]") {
    for (const auto& command : table().commands) {
        INFO(command.path());
        const auto ran = command.group.empty() ? run({command.name, "--help"})
                                               : run({command.group, command.name, "--help"});
        CHECK(ran.code == 0);
        CHECK_THAT(ran.out, Contains("Usage: etpctl " + command.path()));
        CHECK(ran.err.empty());
        for (const auto& option : command.options) {
            CHECK_THAT(ran.out, Contains("--" + option.name));
        }
        CHECK_THAT(ran.out, Contains("--output"));
    }
    for (const auto& group : table().groups) {
        const auto ran = run({group.name, "--help"});
        CHECK(ran.code == 0);
        CHECK_THAT(ran.out, Contains("Usage: etpctl " + group.name + " COMMAND"));
    }
    const auto top = run({"--help"});
    CHECK(top.code == 0);
    for (const auto& command : table().commands) CHECK_THAT(top.out, Contains(command.path()));
}

TEST_CASE("run() answers bad usage with exit 2 and the problem on stderr", "[args]") {
    auto ran = run({"triggers", "get"});
    CHECK(ran.code == 2);
    CHECK(ran.out.empty());
    CHECK_THAT(ran.err, Contains("etpctl: etpctl triggers get needs ID"));
    ran = run({"triggers", "create"});
    CHECK(ran.code == 2);
    CHECK_THAT(ran.err, Contains("needs -f FILE"));
    ran = run({"triggers", "create", "-f", "/nonexistent/def.json"});
    CHECK(ran.code == 2);
    CHECK_THAT(ran.err, Contains("cannot read /nonexistent/def.json"));
    ran = run({"triggers", "fire", "x", "-d", "{not json"});
    CHECK(ran.code == 2);
    CHECK_THAT(ran.err, Contains("--data is not JSON"));
    ran = run({"health", "--url", "ftp://host"});
    CHECK(ran.code == 2);
    CHECK_THAT(ran.err, Contains("is not http or https"));
    ran = run({"completion", "zsh"});
    CHECK(ran.code == 2);
}

TEST_CASE("Without any key a command that needs one stops before sending", "[args]") {
    const auto ran = run({"triggers", "list", "--url", "http://127.0.0.1:1"});
    CHECK(ran.code == 2);
    CHECK_THAT(ran.err, Contains("no API key") && Contains("ETP_API_KEY"));
}

TEST_CASE("The completion script offers every command and option of the table", "[completion]") {
    const auto ran = run({"completion", "bash"});
    REQUIRE(ran.code == 0);
    CHECK_THAT(ran.out, Contains("complete -F _etpctl etpctl"));
    for (const auto& command : table().commands) {
        CHECK_THAT(ran.out, Contains("\"" + command.path() + "\")"));
        for (const auto& option : command.options) {
            CHECK_THAT(ran.out, Contains("--" + option.name));
        }
    }
    for (const auto& group : table().groups) CHECK_THAT(ran.out, Contains(group.name + ")"));
}
