#include "etp/domain/error.hpp"

namespace etp {

std::string_view to_string(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::kInvalidInput:
            return "invalid_input";
        case ErrorKind::kNotFound:
            return "not_found";
        case ErrorKind::kConflict:
            return "conflict";
        case ErrorKind::kUnavailable:
            return "unavailable";
        case ErrorKind::kInternal:
            return "internal";
    }
    return "internal";
}

namespace {
std::string summarize(const std::vector<FieldError>& errors) {
    if (errors.empty()) return "invalid input";
    std::string text = errors.front().pointer + ": " + errors.front().message;
    if (errors.size() > 1) text += " (and " + std::to_string(errors.size() - 1) + " more)";
    return text;
}
}  // namespace

ValidationError::ValidationError(std::vector<FieldError> errors)
    : Error(ErrorKind::kInvalidInput, summarize(errors)), errors_(std::move(errors)) {}

}  // namespace etp
