#pragma once
// The API's documentation, public (no key): GET /openapi.json (proto/openapi.yaml, converted to
// JSON and embedded at build time), GET /docs (Swagger UI) and GET /docs/assets/<file> (npm's
// swagger-ui-dist, read from disk on first use and then served from memory; the machine has no
// internet at run time, so nothing comes from a CDN).

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "http_server.hpp"

namespace etp::gateway {

// The embedded OpenAPI document as JSON text; valid for the whole program.
std::string_view openapi_json();

// The files of one swagger-ui-dist directory. Only files directly in it, named
// ^[A-Za-z0-9._-]+$ (not starting with a dot) and ending in .js, .css, .png, .html or .map are
// ever read. Each is read once and kept. Thread-safe; get() blocks on disk the first time.
class DocsAssets {
 public:
    struct Asset {
        std::string body;
        std::string_view content_type;
    };

    explicit DocsAssets(std::string dir) : dir_(std::move(dir)) {}

    const std::string& dir() const noexcept { return dir_; }
    // True when the directory holds what the /docs page loads.
    bool installed() const;
    // nullptr when `name` is not a servable file of the directory.
    std::shared_ptr<const Asset> get(std::string_view name);

    // The content type served for a file name, or nullopt when such names are not served.
    static std::optional<std::string_view> content_type_of(std::string_view name);

 private:
    const std::string dir_;
    std::mutex mutex_;  // guards cache_
    std::unordered_map<std::string, std::shared_ptr<const Asset>> cache_;
};

// Adds GET /openapi.json, GET /docs and GET /docs/assets/<file>. `swagger_ui_dir` is the
// swagger-ui-dist directory (SWAGGER_UI_DIR); when it is empty or not installed, /docs answers
// 503 saying so.
void add_docs_routes(HttpServer& server, const std::string& swagger_ui_dir);

}  // namespace etp::gateway
