#pragma once
// The platform's one exception hierarchy. Thrown anywhere, caught only at edges (HTTP adapter,
// per-message consumer step, periodic job runner, main). Immutable; safe to share.

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace etp {

enum class ErrorKind {
    kInvalidInput,  // the caller sent something wrong: 4xx, never retried
    kNotFound,
    kConflict,
    kUnavailable,  // a dependency (database, broker) did not answer: retry may help
    kInternal,     // a bug or an unexpected state
};

std::string_view to_string(ErrorKind kind) noexcept;

class Error : public std::runtime_error {
 public:
    Error(ErrorKind kind, const std::string& message, bool retryable = false)
        : std::runtime_error(message), kind_(kind), retryable_(retryable) {}

    ErrorKind kind() const noexcept { return kind_; }
    bool retryable() const noexcept { return retryable_; }

 private:
    ErrorKind kind_;
    bool retryable_;
};

// One failing field of a request, located by a JSON pointer (RFC 6901) into the request body.
struct FieldError {
    std::string pointer;
    std::string message;

    bool operator==(const FieldError&) const = default;
};

// Invalid input with every failing field listed, so a client can fix all of them at once.
class ValidationError : public Error {
 public:
    explicit ValidationError(std::vector<FieldError> errors);

    const std::vector<FieldError>& errors() const noexcept { return errors_; }

 private:
    std::vector<FieldError> errors_;
};

}  // namespace etp
