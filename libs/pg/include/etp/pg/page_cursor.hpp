#pragma once
// A position in a newest-first listing ordered by (time DESC, id DESC): the last item of a page.
// Pages that continue from a cursor are stable while new items arrive. The text form,
// "<microseconds since 1970>_<uuid>", is opaque to clients (they pass next_cursor back).

#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "etp/domain/ids.hpp"
#include "etp/domain/time.hpp"

namespace etp::pg {

namespace detail {
std::string encode_page_cursor(Timestamp at, const Uuid& id);
// Nullopt unless "<microseconds since 1970>_<uuid>" with a time up to the year 9999.
std::optional<std::pair<Timestamp, Uuid>> decode_page_cursor(std::string_view text);
}  // namespace detail

template <typename IdType>
struct PageCursor {
    Timestamp at;
    IdType id;

    std::string encode() const { return detail::encode_page_cursor(at, id.value); }
    static std::optional<PageCursor> decode(std::string_view text) {
        auto parts = detail::decode_page_cursor(text);
        if (!parts) return std::nullopt;
        return PageCursor{parts->first, IdType{parts->second}};
    }
};

}  // namespace etp::pg
