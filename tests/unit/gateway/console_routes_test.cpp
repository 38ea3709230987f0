// /, /console, /console/<file> and /console/vendor/<file> as a browser sees them: a gateway
// HttpServer on 127.0.0.1 port 0 with only the console routes, over temporary directories that
// look like web/console and node_modules.

#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "auth.hpp"
#include "console_routes.hpp"
#include "etp/pg/pool.hpp"
#include "http_server.hpp"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

class TempDir {
 public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "etp-console-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    std::string str() const { return path_.string(); }
    void write(const std::string& name, const std::string& text) const {
        fs::create_directories((path_ / name).parent_path());
        std::ofstream(path_ / name, std::ios::binary) << text;
    }

 private:
    fs::path path_;
};

constexpr const char* kImportMap = R"({"imports": {"preact": "/console/vendor/preact.module.js"}})";

std::string index_html() {
    return std::string("<!doctype html><script type=\"importmap\">") + kImportMap +
           "</script><script type=\"module\" src=\"/console/app.js\"></script>";
}

void fill_console(const TempDir& app, const TempDir& vendor) {
    app.write("index.html", index_html());
    app.write("app.js", "export {};");
    app.write("style.css", "body {}");
    app.write("notes.txt", "not served");
    vendor.write("preact/dist/preact.module.js", "export const h = 1;");
    vendor.write("preact/hooks/dist/hooks.module.js", "import 'preact';");
    vendor.write("htm/dist/htm.module.js", "export default 1;");
    vendor.write("preact/package.json", "{}");
}

class ConsoleServer {
 public:
    ConsoleServer(const std::string& console_dir, const std::string& vendor_dir)
        : pool_("postgresql://127.0.0.1:1/unused", 1),
          auth_("", pool_),
          server_(auth_, 2, "127.0.0.1", 0) {
        etp::gateway::add_console_routes(server_, console_dir, vendor_dir);
        server_.start();
        client_ = std::make_unique<httplib::Client>("127.0.0.1", server_.port());
        client_->set_connection_timeout(5);
        client_->set_read_timeout(5);
    }

    httplib::Result get(const std::string& path) { return client_->Get(path.c_str()); }

 private:
    etp::pg::Pool pool_;
    etp::gateway::Authenticator auth_;
    etp::gateway::HttpServer server_;
    std::unique_ptr<httplib::Client> client_;
};

std::string sha256_base64(const std::string& text) {
    unsigned char digest[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
    std::string out(64, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), digest, sizeof digest);
    out.resize(static_cast<std::size_t>(n));
    return out;
}

}  // namespace

TEST_CASE("GET / redirects to the console, which is served with a strict CSP") {
    TempDir app;
    TempDir vendor;
    fill_console(app, vendor);
    ConsoleServer server(app.str(), vendor.str());

    auto res = server.get("/");
    REQUIRE(res);
    CHECK(res->status == 302);
    CHECK(res->get_header_value("Location") == "/console/");

    for (const char* path : {"/console", "/console/"}) {
        INFO(path);
        res = server.get(path);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
        CHECK(res->get_header_value("Cache-Control") == "no-cache");
        CHECK(res->get_header_value("X-Content-Type-Options") == "nosniff");
        CHECK(res->body == index_html());
        const std::string csp = res->get_header_value("Content-Security-Policy");
        CHECK(csp.find("default-src 'self'") != std::string::npos);
        CHECK(csp.find("connect-src 'self'") != std::string::npos);
        // The import map, and no other inline script, by its hash.
        CHECK(csp.find("script-src 'self' 'sha256-" + sha256_base64(kImportMap) + "'") !=
              std::string::npos);
        CHECK(csp.find("unsafe-inline") == std::string::npos);
    }
}

TEST_CASE("console files and the npm modules it imports, with their content types") {
    TempDir app;
    TempDir vendor;
    fill_console(app, vendor);
    ConsoleServer server(app.str(), vendor.str());

    auto res = server.get("/console/app.js");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
    CHECK(res->body == "export {};");
    res = server.get("/console/style.css");
    REQUIRE(res);
    CHECK(res->get_header_value("Content-Type") == "text/css; charset=utf-8");
    for (const char* name : {"preact.module.js", "hooks.module.js", "htm.module.js"}) {
        INFO(name);
        res = server.get(std::string("/console/vendor/") + name);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->get_header_value("Content-Type") == "text/javascript; charset=utf-8");
        CHECK(res->get_header_value("Cache-Control") == "public, max-age=3600");
    }
    // Nothing else of node_modules, and no file the console does not serve.
    for (const char* path :
         {"/console/vendor/package.json", "/console/vendor/preact.js", "/console/notes.txt",
          "/console/..%2Fetc%2Fpasswd", "/console/vendor/..%2F..%2Findex.html"}) {
        INFO(path);
        res = server.get(path);
        REQUIRE(res);
        CHECK(res->status >= 400);
        CHECK(res->status < 500);
    }
}

TEST_CASE("/console answers 503 naming the setting when its files are missing") {
    TempDir app;
    TempDir vendor;
    SECTION("CONSOLE_DIR is not set") {
        ConsoleServer server("", vendor.str());
        auto res = server.get("/console/");
        REQUIRE(res);
        CHECK(res->status == 503);
        CHECK(res->get_header_value("Content-Type") == "application/problem+json");
        CHECK(json::parse(res->body).at("detail").get<std::string>().find("CONSOLE_DIR") !=
              std::string::npos);
    }
    SECTION("the npm packages are not installed") {
        app.write("index.html", index_html());
        ConsoleServer server(app.str(), vendor.str());
        auto res = server.get("/console");
        REQUIRE(res);
        CHECK(res->status == 503);
        CHECK(json::parse(res->body).at("detail").get<std::string>().find("CONSOLE_VENDOR_DIR") !=
              std::string::npos);
    }
}

TEST_CASE("console_csp allows exactly one import map") {
    CHECK(etp::gateway::console_csp("<html>no map</html>") == std::nullopt);
    CHECK(etp::gateway::console_csp(
              "<script type=\"importmap\">{}</script><script type=\"importmap\">{}</script>") ==
          std::nullopt);
    auto csp = etp::gateway::console_csp("<script type=\"importmap\">{}</script>");
    REQUIRE(csp);
    CHECK(csp->find("'sha256-" + sha256_base64("{}") + "'") != std::string::npos);
}
