#pragma once
// A precondition the program itself must keep (call order, use after close or move): when it
// does not, the program has a bug, so it logs one error line and aborts, rather than throwing
// an etp::Error that some caller would retry or answer with. etp::Error(kInternal) keeps
// meaning "stored or received data is not what it must be". Thread-safe.

#include <string_view>

namespace etp::runtime {

// Logs "check failed" with the condition, message and source location, then std::abort().
[[noreturn]] void check_failed(std::string_view condition, std::string_view message,
                               std::string_view file, int line) noexcept;

}  // namespace etp::runtime

// ETP_CHECK(condition, message): aborts via check_failed unless condition holds. Always on
// (release builds too); the message is a constant text.
#define ETP_CHECK(condition, message)                                                            \
    do {                                                                                         \
        if (!(condition)) ::etp::runtime::check_failed(#condition, message, __FILE__, __LINE__); \
    } while (false)
