#pragma once
// The web console, public files (the API calls it makes carry the user's key): GET /console
// (index.html), GET /console/<file> (its modules and styles, from CONSOLE_DIR, the repository's
// web/console/), GET /console/vendor/<file> (Preact, its hooks and htm as ES modules, from npm's
// packages in CONSOLE_VENDOR_DIR, a node_modules directory), and GET / redirecting to /console.
// Nothing comes from a CDN: the page loads only from its own origin, which its
// Content-Security-Policy enforces. Files are read on first use, then served from memory.

#include <optional>
#include <string>
#include <string_view>

#include "http_server.hpp"

namespace etp::gateway {

// The Content-Security-Policy of a console page: only this origin, and of inline scripts only
// the page's import map (`<script type="importmap">...</script>`, allowed by its SHA-256).
// Nullopt when the page has no import map, or more than one.
std::optional<std::string> console_csp(std::string_view index_html);

// Adds the console's routes. When `console_dir` or `vendor_dir` is empty or lacks the files,
// /console answers 503 saying which setting to fix.
void add_console_routes(HttpServer& server, const std::string& console_dir,
                        const std::string& vendor_dir);

}  // namespace etp::gateway
