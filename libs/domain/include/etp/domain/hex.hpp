#pragma once
// Lower-case hexadecimal of bytes (digests, random secrets). Pure; thread-safe.

#include <cstddef>
#include <span>
#include <string>

namespace etp {

std::string to_hex(std::span<const unsigned char> bytes);

}  // namespace etp
