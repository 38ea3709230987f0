#pragma once
// What every command handler gets (the parsed line, the output streams, the gateway) and the
// small helpers they share: reading JSON from a file or an option, printing an answer.

#include <functional>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string>
#include <vector>

#include "client_settings.hpp"
#include "command_line.hpp"
#include "gateway_client.hpp"

namespace etp::ctl {

struct Invocation {
    const ParsedCommandLine& line;
    ClientSettings settings;
    std::ostream& out;
    std::ostream& err;
    std::function<bool()> stop_requested;  // true once SIGINT or SIGTERM arrived

    OutputFormat output() const { return line.globals.output; }
    bool json() const { return output() == OutputFormat::kJson; }
    const std::string& arg(std::size_t i) const { return line.args.at(i); }
    // Throws UsageError on a malformed gateway URL.
    GatewayClient gateway() const { return GatewayClient(settings); }
};

// The JSON in a file ("-": standard input). Throws UsageError when it cannot be read or parsed.
nlohmann::json read_json_file(const std::string& path);
// The JSON given as an option's value. Throws UsageError naming the option when it is not JSON.
nlohmann::json parse_json_option(const std::string& option, const std::string& text);
// The path segment of an id, percent-encoded.
std::string segment(const std::string& id);

// The answer as scripts get it: indented JSON.
void print_json(std::ostream& out, const nlohmann::json& value);
// An object as "field: value" lines: `order` first, then any other field, as the answer has
// them.
void print_object(std::ostream& out, const nlohmann::json& object,
                  const std::vector<std::string>& order);

// For each (option, name) pair, adds name=value to the query for each value the option was
// given.
using OptionNames = std::vector<std::pair<std::string, std::string>>;
void add_option_query(Query& query, const ParsedCommandLine& line, const OptionNames& options);
// Adds name=true when the switch was given.
void add_switch_query(Query& query, const ParsedCommandLine& line, const std::string& option,
                      const std::string& name);

}  // namespace etp::ctl
