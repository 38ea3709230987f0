#pragma once
// A PostgreSQL WAL position as PostgreSQL prints it: "16/B374D848". The text change-derived
// event ids are made from (firing.hpp), and what replication commands and logs show.

#include <cstdint>
#include <string>

namespace etp {

std::string format_lsn(std::uint64_t lsn);

}  // namespace etp
