#include "etp/runtime/check.hpp"

#include <cstdlib>

#include "etp/runtime/log.hpp"

namespace etp::runtime {

void check_failed(std::string_view condition, std::string_view message, std::string_view file,
                  int line) noexcept {
    log::error("check failed",
               {{"condition", condition}, {"message", message}, {"file", file}, {"line", line}});
    std::abort();
}

}  // namespace etp::runtime
