#include "etp/domain/lsn.hpp"

#include <cstdio>

namespace etp {

std::string format_lsn(std::uint64_t lsn) {
    char buf[24];
    const int n = std::snprintf(buf, sizeof buf, "%X/%X", static_cast<unsigned>(lsn >> 32),
                                static_cast<unsigned>(lsn & 0xFFFF'FFFFu));
    return std::string(buf, static_cast<std::size_t>(n));
}

}  // namespace etp
