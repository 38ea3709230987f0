#pragma once
// UUIDs and the strong id types built on them. Value types; thread-safe to copy and compare.
// new_uuid_v7() is thread-safe.

#include <array>
#include <chrono>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace etp {

class Uuid {
 public:
    Uuid() = default;  // the nil UUID
    explicit Uuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}

    // Accepts the canonical 8-4-4-4-12 hex form, either case.
    static std::optional<Uuid> parse(std::string_view text);
    std::string to_string() const;  // lower-case canonical form
    const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }
    bool is_nil() const noexcept { return *this == Uuid{}; }

    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted comparison.
    auto operator<=>(const Uuid&) const = default;

 private:
    std::array<std::uint8_t, 16> bytes_{};
};

// RFC 9562 version 7: 48-bit Unix milliseconds then randomness, so ids sort by creation time.
Uuid new_uuid_v7();
Uuid new_uuid_v7(std::chrono::system_clock::time_point at);
// RFC 9562 version 5 (SHA-1 of namespace + name): the same input always gives the same id.
// Used where a firing must have a stable id across retries (a scheduled slot, a cdc change).
Uuid uuid_v5(const Uuid& name_space, std::string_view name);

// Strong ids: a TriggerId is never passed where an EventId is expected.
template <typename Tag>
struct Id {
    Uuid value;

    static std::optional<Id> parse(std::string_view text) {
        if (auto u = Uuid::parse(text)) return Id{*u};
        return std::nullopt;
    }
    std::string to_string() const { return value.to_string(); }
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy misreads the defaulted comparison.
    auto operator<=>(const Id&) const = default;
};

using TriggerId = Id<struct TriggerIdTag>;
using EventId = Id<struct EventIdTag>;

}  // namespace etp
