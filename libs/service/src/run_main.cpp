#include "etp/service/run_main.hpp"

#include <exception>

#include "etp/domain/error.hpp"

namespace etp::service {

int run_guarded(const std::string& name, const std::function<int()>& body) noexcept {
    int code = 1;
    std::string what;
    try {
        return body();
    } catch (const Error& e) {
        what = e.what();
        if (e.kind() == ErrorKind::kInvalidInput) code = 2;
    } catch (const std::exception& e) {
        what = e.what();
    } catch (...) {
        what = "unknown exception";
    }
    log::error(name + " failed", {{"error", what}});
    return code;
}

}  // namespace etp::service
