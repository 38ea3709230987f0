#pragma once
// A compiled JSON Schema (draft 7, checked with valijson) for the payloads of an api trigger.
// Immutable after compile(): validate() is thread-safe on one shared instance and never blocks.
//
// Refused at compile time, so that validation can neither fetch nor crash: `$ref`s other than
// local JSON pointers ("#", "#/definitions/x"; remote and relative ones are never fetched),
// schemas that apply to the same value in a loop ({"not": {"$ref": "#"}}), `pattern`s and
// `patternProperties` that are not ECMAScript regular expressions, `pattern`s with
// back-references, a `$schema` other than draft 7, and schemas nested deeper than 64 levels.
//
// Limits while validating (valijson and libstdc++'s regex matcher recurse, so these keep the
// stack bounded): a payload nested deeper than 128 levels, or, when the schema has
// `patternProperties`, a property name longer than 256 characters, gets that one error. `format`
// is checked for date, time and date-time (what valijson implements) on strings of at most 64
// characters (longer ones fail); other formats are accepted unchecked.
//
// Work per payload is linear in its size (times the schema's): `uniqueItems` hashes the items
// instead of comparing every pair, and one repeated item is reported once (10 per array,
// then a count); at most 100 distinct violations are listed (see validate()).

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "etp/domain/error.hpp"

namespace etp {

class PayloadSchema {
 public:
    // The most violations validate() lists (one more entry then says there are more).
    static constexpr std::size_t kMaxListedViolations = 100;

    // Throws ValidationError({{pointer, "is not a valid JSON Schema (draft 7): <what>"}}).
    static std::shared_ptr<const PayloadSchema> compile(const nlohmann::json& schema,
                                                        const std::string& pointer);

    // Every violation, each located by a JSON pointer into `payload` ("" is the payload itself,
    // "/items/0/sku" a nested field) with valijson's description. Empty when valid. valijson
    // also reports the enclosing failures ("Failed to validate against schema associated with
    // property name 'x'") at the parent's pointer; they are kept, exact repeats are dropped.
    // At most 100 are listed; when there are more, one last entry at "" says so ("1234 more
    // violations are not listed (at most 100 are)", or without a count when the check stopped
    // after the first 1,000: "there are more violations than listed (at most 100 are)").
    // Throws Error(kInternal) only if valijson fails in a way not foreseen here.
    std::vector<FieldError> validate(const nlohmann::json& payload) const;

    const nlohmann::json& schema() const noexcept;  // as given to compile()

    ~PayloadSchema();
    PayloadSchema(const PayloadSchema&) = delete;
    PayloadSchema& operator=(const PayloadSchema&) = delete;

 private:
    struct Impl;
    explicit PayloadSchema(std::unique_ptr<Impl> impl);

    std::unique_ptr<Impl> impl_;
};

}  // namespace etp
