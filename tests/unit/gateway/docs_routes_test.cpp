// /openapi.json, /docs and /docs/assets/<file> as a browser sees them: a gateway HttpServer on
// 127.0.0.1 port 0 with only the docs routes, over a temporary swagger-ui-dist directory.

#include <httplib.h>

#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "auth.hpp"
#include "docs_routes.hpp"
#include "etp/pg/pool.hpp"
#include "http_server.hpp"

namespace fs = std::filesystem;
using etp::gateway::DocsAssets;
using nlohmann::json;

namespace {

class TempDir {
 public:
    TempDir() {
        std::string pattern = (fs::temp_directory_path() / "etp-docs-XXXXXX").string();
        REQUIRE(mkdtemp(pattern.data()) != nullptr);
        path_ = pattern;
    }
    ~TempDir() {
        std::error_code ec;
        fs::remove_all(path_, ec);
    }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;

    const fs::path& path() const { return path_; }
    void write(const std::string& name, const std::string& text) const {
        fs::create_directories((path_ / name).parent_path());
        std::ofstream(path_ / name, std::ios::binary) << text;
    }

 private:
    fs::path path_;
};

// A swagger-ui-dist look-alike: the files /docs needs, and some it must never serve.
void fill_swagger_ui(const TempDir& dir) {
    dir.write("swagger-ui-bundle.js", "window.SwaggerUIBundle = function () {};");
    dir.write("swagger-ui.css", "body { color: black; }");
    dir.write("favicon-32x32.png", std::string("\x89PNG\r\n\x1a\n", 8));
    dir.write("swagger-ui.css.map", "{\"version\": 3}");
    dir.write("oauth2-redirect.html", "<!doctype html>");
    dir.write("package.json", "{\"name\": \"swagger-ui-dist\"}");
    dir.write("README.md", "# not served");
    dir.write(".hidden.js", "secret");
    dir.write("sub/nested.js", "nested");
}

// The gateway's HTTP server with only the docs routes. The pool never connects: public routes
// do not authenticate.
class DocsServer {
 public:
    explicit DocsServer(const std::string& swagger_ui_dir)
        : pool_("postgresql://127.0.0.1:1/unused", 1),
          auth_("", pool_),
          server_(auth_, 2, "127.0.0.1", 0) {
        etp::gateway::add_docs_routes(server_, swagger_ui_dir);
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

void check_problem(const httplib::Result& res, int status) {
    REQUIRE(res);
    CHECK(res->status == status);
    CHECK(res->get_header_value("Content-Type") == "application/problem+json");
    json body = json::parse(res->body);
    CHECK(body.at("status") == status);
    CHECK(body.at("detail").is_string());
}

}  // namespace

TEST_CASE("GET /openapi.json serves the embedded document") {
    DocsServer server("");
    auto res = server.get("/openapi.json");
    REQUIRE(res);
    CHECK(res->status == 200);
    CHECK(res->get_header_value("Content-Type") == "application/json");
    CHECK(res->body == etp::gateway::openapi_json());
    CHECK(json::parse(res->body).at("paths").contains("/api/v1/triggers/{id}/fire"));
}

TEST_CASE("GET /docs answers 503 problem+json when swagger-ui-dist is not installed") {
    SECTION("SWAGGER_UI_DIR is empty") {
        DocsServer server("");
        check_problem(server.get("/docs"), 503);
        check_problem(server.get("/docs/assets/swagger-ui-bundle.js"), 503);
        auto res = server.get("/docs");
        REQUIRE(res);
        CHECK(res->body.find("scripts/install-deps") != std::string::npos);
    }
    SECTION("SWAGGER_UI_DIR does not exist") {
        DocsServer server("/nonexistent/swagger-ui-dist");
        check_problem(server.get("/docs"), 503);
    }
    SECTION("SWAGGER_UI_DIR lacks the bundle") {
        TempDir dir;
        dir.write("swagger-ui.css", "body {}");
        DocsServer server(dir.path().string());
        check_problem(server.get("/docs"), 503);
    }
}

TEST_CASE("GET /docs serves Swagger UI from /docs/assets, pointed at /openapi.json") {
    TempDir dir;
    fill_swagger_ui(dir);
    DocsServer server(dir.path().string());
    for (const char* path : {"/docs", "/docs/"}) {
        INFO(path);
        auto res = server.get(path);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->get_header_value("Content-Type") == "text/html; charset=utf-8");
        CHECK(res->body.find(R"(src="/docs/assets/swagger-ui-bundle.js")") != std::string::npos);
        CHECK(res->body.find(R"(href="/docs/assets/swagger-ui.css")") != std::string::npos);
        CHECK(res->body.find(R"(url: "/openapi.json")") != std::string::npos);
        // Nothing from the internet: the machine has none at run time.
        CHECK(res->body.find("http://") == std::string::npos);
        CHECK(res->body.find("https://") == std::string::npos);
    }
}

TEST_CASE("GET /docs/assets/<file> serves swagger-ui-dist files with their content types") {
    TempDir dir;
    fill_swagger_ui(dir);
    DocsServer server(dir.path().string());
    const std::pair<const char*, const char*> files[] = {
        {"swagger-ui-bundle.js", "text/javascript; charset=utf-8"},
        {"swagger-ui.css", "text/css; charset=utf-8"},
        {"favicon-32x32.png", "image/png"},
        {"swagger-ui.css.map", "application/json"},
        {"oauth2-redirect.html", "text/html; charset=utf-8"},
    };
    for (const auto& [name, type] : files) {
        INFO(name);
        auto res = server.get(std::string("/docs/assets/") + name);
        REQUIRE(res);
        CHECK(res->status == 200);
        CHECK(res->get_header_value("Content-Type") == type);
        std::ifstream in(dir.path() / name, std::ios::binary);
        std::string expected((std::istreambuf_iterator<char>(in)),
                             std::istreambuf_iterator<char>());
        CHECK(res->body == expected);
    }
}

TEST_CASE("GET /docs/assets/<file> serves nothing outside the listed files") {
    TempDir outside;
    outside.write("secret.js", "outside");
    TempDir dir;
    fill_swagger_ui(dir);
    fs::create_symlink(outside.path() / "secret.js", dir.path() / "link.js");
    DocsServer server(dir.path().string());
    for (const char* path : {
             "/docs/assets/missing.js",
             "/docs/assets/package.json",  // not a type the UI loads
             "/docs/assets/README.md",
             "/docs/assets/.hidden.js",
             "/docs/assets/sub",
             "/docs/assets/sub/nested.js",
             "/docs/assets/link.js",  // a symlink could lead anywhere
             "/docs/assets/..",
             "/docs/assets/../docs_routes_test.js",
             "/docs/assets/..%2F..%2Fetc%2Fpasswd",
             "/docs/assets/%2Fetc%2Fpasswd",
             "/docs/assets/swagger-ui.css%00.js",
             "/docs/assets/",
         }) {
        INFO(path);
        check_problem(server.get(path), 404);
    }
}

TEST_CASE("swagger-ui-dist files are read once and then served from memory") {
    TempDir dir;
    fill_swagger_ui(dir);
    DocsServer server(dir.path().string());
    auto first = server.get("/docs/assets/swagger-ui-bundle.js");
    REQUIRE(first);
    REQUIRE(first->status == 200);
    dir.write("swagger-ui-bundle.js", "changed on disk");
    auto second = server.get("/docs/assets/swagger-ui-bundle.js");
    REQUIRE(second);
    CHECK(second->body == first->body);
}

TEST_CASE("asset names: only plain names of the served types") {
    CHECK(DocsAssets::content_type_of("swagger-ui-bundle.js") == "text/javascript; charset=utf-8");
    CHECK(DocsAssets::content_type_of("index.css") == "text/css; charset=utf-8");
    CHECK(DocsAssets::content_type_of("swagger-ui.js.map") == "application/json");
    CHECK_FALSE(DocsAssets::content_type_of(""));
    CHECK_FALSE(DocsAssets::content_type_of("."));
    CHECK_FALSE(DocsAssets::content_type_of(".."));
    CHECK_FALSE(DocsAssets::content_type_of(".js"));
    CHECK_FALSE(DocsAssets::content_type_of("a/b.js"));
    CHECK_FALSE(DocsAssets::content_type_of("a\\b.js"));
    CHECK_FALSE(DocsAssets::content_type_of("a b.js"));
    CHECK_FALSE(DocsAssets::content_type_of(std::string_view("a\0.js", 5)));
    CHECK_FALSE(DocsAssets::content_type_of("LICENSE"));
    CHECK_FALSE(DocsAssets::content_type_of("package.json"));
    CHECK_FALSE(DocsAssets::content_type_of(std::string(300, 'a') + ".js"));
}
