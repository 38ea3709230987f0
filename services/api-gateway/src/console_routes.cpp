#include "console_routes.hpp"

#include <openssl/evp.h>

#include <array>
#include <memory>

#include "auth.hpp"
#include "docs_routes.hpp"
#include "etp/runtime/log.hpp"
#include "http_support.hpp"

namespace etp::gateway {
namespace {

// The npm packages' browser builds the console imports (its import map names them), each
// served as /console/vendor/<name> from <vendor dir>/<dir>/<name>.
struct VendorFile {
    std::string_view name;
    std::string_view dir;
};
constexpr std::array<VendorFile, 3> kVendorFiles = {{
    {"preact.module.js", "preact/dist"},
    {"hooks.module.js", "preact/hooks/dist"},
    {"htm.module.js", "htm/dist"},
}};

constexpr std::string_view kIndex = "index.html";
constexpr std::string_view kImportMapOpen = "<script type=\"importmap\">";
constexpr std::string_view kScriptClose = "</script>";

std::string base64(const unsigned char* data, std::size_t size) {
    std::string out(4 * ((size + 2) / 3), '\0');
    int n =
        EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), data, static_cast<int>(size));
    out.resize(static_cast<std::size_t>(n));
    return out;
}

// The console's files and the npm modules it imports, each read once (DocsAssets). Thread-safe.
class ConsoleFiles {
 public:
    ConsoleFiles(const std::string& console_dir, const std::string& vendor_dir)
        : console_dir_(console_dir), vendor_dir_(vendor_dir), app_(console_dir) {
        for (std::size_t i = 0; i < kVendorFiles.size(); ++i)
            vendor_[i] = std::make_unique<DocsAssets>(
                vendor_dir.empty() ? std::string()
                                   : vendor_dir + "/" + std::string(kVendorFiles[i].dir));
    }

    // Why the console cannot be served, or nullopt when it can.
    std::optional<std::string> problem() {
        if (console_dir_.empty())
            return "the web console is not installed: CONSOLE_DIR is not set (the repository's "
                   "web/console directory)";
        if (!app_.get(kIndex))
            return "the web console is not installed: CONSOLE_DIR holds no index.html";
        // Names within node_modules only: the answer is public, the directories are not.
        for (std::size_t i = 0; i < kVendorFiles.size(); ++i) {
            if (vendor_[i]->get(kVendorFiles[i].name)) continue;
            if (vendor_dir_.empty())
                return "the web console's npm packages are missing: CONSOLE_VENDOR_DIR is not set "
                       "(a node_modules directory; run scripts/install-deps)";
            return "the web console's npm packages are missing: CONSOLE_VENDOR_DIR lacks " +
                   std::string(kVendorFiles[i].dir) + "/" + std::string(kVendorFiles[i].name) +
                   " (run scripts/install-deps)";
        }
        return std::nullopt;
    }

    std::shared_ptr<const DocsAssets::Asset> app(std::string_view name) { return app_.get(name); }

    std::shared_ptr<const DocsAssets::Asset> vendor(std::string_view name) {
        for (std::size_t i = 0; i < kVendorFiles.size(); ++i)
            if (kVendorFiles[i].name == name) return vendor_[i]->get(name);
        return nullptr;
    }

 private:
    const std::string console_dir_;
    const std::string vendor_dir_;
    DocsAssets app_;
    std::array<std::unique_ptr<DocsAssets>, kVendorFiles.size()> vendor_;
};

// One of the console's files, with the headers every one of them carries.
void send_file(net::Response& res, const DocsAssets::Asset& file, const char* cache_control) {
    res.set_header("X-Content-Type-Options", "nosniff");
    res.set_header("Referrer-Policy", "no-referrer");
    res.set_header("Cache-Control", cache_control);
    res.set_content(file.body, std::string(file.content_type));
}

void redirect_to_console(const net::Request&, net::Response& res) {
    res.status = 302;
    res.set_header("Location", "/console/");
    res.set_content("", "text/plain; charset=utf-8");
}

}  // namespace

std::optional<std::string> console_csp(std::string_view html) {
    auto open = html.find(kImportMapOpen);
    if (open == std::string_view::npos) return std::nullopt;
    auto start = open + kImportMapOpen.size();
    auto end = html.find(kScriptClose, start);
    if (end == std::string_view::npos) return std::nullopt;
    if (html.find(kImportMapOpen, end) != std::string_view::npos) return std::nullopt;
    std::string_view map = html.substr(start, end - start);
    Digest digest = sha256(map);
    return "default-src 'self'; script-src 'self' 'sha256-" + base64(digest.data(), digest.size()) +
           "'; style-src 'self'; img-src 'self' data:; connect-src 'self'; object-src 'none'; "
           "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
}

void add_console_routes(HttpServer& server, const std::string& console_dir,
                        const std::string& vendor_dir) {
    auto files = std::make_shared<ConsoleFiles>(console_dir, vendor_dir);
    if (auto problem = files->problem())
        log::warn(
            "web console is not installed; /console answers 503",
            {{"problem", *problem}, {"console_dir", console_dir}, {"vendor_dir", vendor_dir}});

    server.get("/", Scope::kPublic, redirect_to_console, net::Run::kOnIoThread);

    server.get("/console/?", Scope::kPublic, [files](const net::Request&, net::Response& res) {
        if (auto problem = files->problem()) throw ProblemError(ErrorKind::kUnavailable, *problem);
        auto index = files->app(kIndex);
        auto csp = console_csp(index->body);
        if (!csp)
            throw ProblemError(ErrorKind::kUnavailable,
                               "the web console's index.html has no single import map");
        res.set_header("Content-Security-Policy", *csp);
        send_file(res, *index, "no-cache");
    });

    server.get(R"(/console/vendor/([^/]+))", Scope::kPublic,
               [files](const net::Request& req, net::Response& res) {
                   auto asset = files->vendor(req.matches.str(1));
                   if (!asset) throw Error(ErrorKind::kNotFound, "no such file of the web console");
                   // They change only when package-lock.json does.
                   send_file(res, *asset, "public, max-age=3600");
               });

    server.get(R"(/console/([^/]+))", Scope::kPublic,
               [files](const net::Request& req, net::Response& res) {
                   auto asset = files->app(req.matches.str(1));
                   if (!asset) throw Error(ErrorKind::kNotFound, "no such file of the web console");
                   // Asked for again on every load: a restarted gateway's new files show at once.
                   send_file(res, *asset, "no-cache");
               });
}

}  // namespace etp::gateway
