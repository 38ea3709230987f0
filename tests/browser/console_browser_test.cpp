// The web console in headless Chromium, against the real platform: PostgreSQL and Apache Kafka
// from the harness, the gateway serving the console from the repository (web/console and
// node_modules), the dispatcher, and a webhook receiver. The browser part is
// console.spec.mjs, run with node: sign in, create an api trigger with a schema, fire it with a
// bad and a good payload, see the event appear live, open it, see its delivery, redeliver; a
// read-only key sees no write controls; a cron trigger's next five times across a DST change.
// node, playwright-core or chromium missing is a failure, never a skip.
#include <catch2/catch.hpp>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <sstream>

#include "etp/testing/service_process.hpp"
#include "etp/testing/webhook_receiver.hpp"
#include "platform.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// The first executable `name` on PATH, or "" when there is none.
std::string find_on_path(const std::string& name) {
    const char* path = std::getenv("PATH");
    std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
    std::string dir;
    while (std::getline(dirs, dir, ':')) {
        fs::path candidate = fs::path(dir.empty() ? "." : dir) / name;
        std::error_code ec;
        if (fs::is_regular_file(candidate, ec) &&
            (fs::status(candidate, ec).permissions() & fs::perms::owner_exec) != fs::perms::none)
            return candidate.string();
    }
    return "";
}

}  // namespace

TEST_CASE("the web console in headless Chromium") {
    const std::string source = ETP_SOURCE_DIR;
    const std::string node = find_on_path("node");
    if (node.empty()) FAIL("node is not on PATH: scripts/install-deps installs Debian's nodejs");
    // playwright-core 1.65 needs Node.js 20 or newer (Debian 12's own nodejs is 18).
    auto version = etp::testing::run_command(node, {"--version"}, {}, 30s);
    const int major = version.out.size() > 1 ? std::atoi(version.out.c_str() + 1) : 0;
    if (major < 20)
        FAIL("node " + version.out + " is too old: playwright-core needs Node.js 20 or newer");
    const char* chromium_env = std::getenv("ETP_CHROMIUM");
    const std::string chromium = chromium_env != nullptr ? chromium_env : "/usr/bin/chromium";
    if (!fs::exists(chromium))
        FAIL(chromium + " is missing: scripts/install-deps installs Debian's chromium");
    if (!fs::exists(source + "/node_modules/playwright-core/package.json"))
        FAIL("node_modules/playwright-core is missing: run scripts/install-deps (npm ci)");

    etp::testing::WebhookReceiver receiver;
    auto gateway =
        etp::e2e::make_service("api-gateway", {{"CONSOLE_DIR", source + "/web/console"},
                                               {"CONSOLE_VENDOR_DIR", source + "/node_modules"}});
    auto dispatcher = etp::e2e::make_service("dispatcher");
    if (!gateway.start_and_wait())
        FAIL("api-gateway did not become ready:\n" + gateway.process->output());
    if (!dispatcher.start_and_wait())
        FAIL("dispatcher did not become ready:\n" + dispatcher.process->output());

    const std::string gateway_url = "http://127.0.0.1:" + std::to_string(gateway.http_port);
    const std::string artifacts = ETP_ARTIFACTS_DIR;
    fs::create_directories(artifacts);
    const auto started = std::chrono::steady_clock::now();
    auto result = etp::testing::run_command(node, {source + "/tests/browser/console.spec.mjs"},
                                            {{"ETP_GATEWAY_URL", gateway_url},
                                             {"ETP_ADMIN_KEY", etp::e2e::kAdminKey},
                                             {"ETP_RECEIVER_URL", receiver.url("/console-hook")},
                                             {"ETP_ARTIFACTS_DIR", artifacts},
                                             {"ETP_CHROMIUM", chromium}},
                                            10min);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(
        std::chrono::steady_clock::now() - started);
    std::cout << result.out << result.err << "browser scenarios took " << seconds.count() << " s\n";
    INFO("console.spec.mjs failed:\n" + result.out + result.err + "\n--- gateway log (tail):\n" +
         gateway.process->output().substr(gateway.process->output().size() > 4000
                                              ? gateway.process->output().size() - 4000
                                              : 0));
    CHECK(result.exit_code == 0);

    // What the receiver saw: the firing from the console delivered, then delivered again by
    // the console's Redeliver with the same webhook-id; and the firing from outside.
    const auto requests = receiver.requests("/console-hook");
    std::map<std::string, int> per_event;
    for (const auto& r : requests) ++per_event[r.header("webhook-id").value_or("")];
    bool redelivered = false;
    for (const auto& [id, count] : per_event) redelivered = redelivered || count >= 2;
    CHECK(per_event.size() >= 2);
    CHECK(redelivered);

    CHECK(dispatcher.process->terminate(15s) == 0);
    CHECK(gateway.process->terminate(15s) == 0);
}
