#include "etp/domain/trace_context.hpp"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <set>
#include <span>
#include <vector>

#include "etp/domain/hex.hpp"

namespace etp {
namespace {

constexpr std::size_t kVersion00Length = 55;  // 2 + 1 + 32 + 1 + 16 + 1 + 2

int lower_hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;  // upper case is invalid in traceparent
}

// Reads 2 * out.size() lower-case hex digits; false on anything else.
bool read_hex(std::string_view text, std::span<std::uint8_t> out) {
    if (text.size() != out.size() * 2) return false;
    for (std::size_t i = 0; i < out.size(); ++i) {
        int hi = lower_hex_value(text[2 * i]);
        int lo = lower_hex_value(text[2 * i + 1]);
        if (hi < 0 || lo < 0) return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

template <std::size_t N>
bool all_zero(const std::array<std::uint8_t, N>& bytes) {
    return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

template <std::size_t N>
void fill_random_nonzero(std::array<std::uint8_t, N>& bytes) {
    do {
        if (RAND_bytes(bytes.data(), static_cast<int>(N)) != 1) std::abort();  // no CSPRNG
    } while (all_zero(bytes));
}

bool is_ows(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
    while (!s.empty() && is_ows(s.front())) s.remove_prefix(1);
    while (!s.empty() && is_ows(s.back())) s.remove_suffix(1);
    return s;
}

bool is_lcalpha(char c) { return c >= 'a' && c <= 'z'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_key_char(char c) {
    return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '*' || c == '/';
}

// simple-key = lcalpha 0*255(keychar); multi-tenant-key = tenant-id "@" system-id with
// tenant-id = (lcalpha / DIGIT) 0*240(keychar) and system-id = lcalpha 0*13(keychar).
bool valid_key(std::string_view key) {
    auto rest_ok = [](std::string_view s) { return std::all_of(s.begin(), s.end(), is_key_char); };
    std::size_t at = key.find('@');
    if (at == std::string_view::npos)
        return !key.empty() && key.size() <= 256 && is_lcalpha(key[0]) && rest_ok(key.substr(1));
    std::string_view tenant = key.substr(0, at);
    std::string_view system = key.substr(at + 1);
    return !tenant.empty() && tenant.size() <= 241 &&
           (is_lcalpha(tenant[0]) || is_digit(tenant[0])) && rest_ok(tenant.substr(1)) &&
           !system.empty() && system.size() <= 14 && is_lcalpha(system[0]) &&
           rest_ok(system.substr(1));
}

// value = 0*255(chr) nblk-chr; chr = %x20 / nblk-chr; nblk-chr = %x21-2B / %x2D-3C / %x3E-7E.
bool valid_value(std::string_view value) {
    if (value.empty() || value.size() > 256 || value.back() == ' ') return false;
    return std::all_of(value.begin(), value.end(),
                       [](char c) { return c >= 0x20 && c <= 0x7E && c != ',' && c != '='; });
}

}  // namespace

std::string TraceContext::trace_id_hex() const { return to_hex(trace_id); }

std::string TraceContext::parent_id_hex() const { return to_hex(parent_id); }

std::string TraceContext::traceparent() const {
    const std::array<std::uint8_t, 1> flag{flags};
    return "00-" + trace_id_hex() + "-" + parent_id_hex() + "-" + to_hex(flag);
}

TraceContext TraceContext::child() const {
    TraceContext next = *this;
    fill_random_nonzero(next.parent_id);
    return next;
}

std::optional<TraceContext> parse_traceparent(std::string_view text) {
    if (text.size() < kVersion00Length) return std::nullopt;
    std::array<std::uint8_t, 1> version{};
    if (!read_hex(text.substr(0, 2), version) || version[0] == 0xff) return std::nullopt;
    if (version[0] == 0x00 && text.size() != kVersion00Length) return std::nullopt;
    // A later version may append fields, each after a '-'.
    if (text.size() > kVersion00Length && text[kVersion00Length] != '-') return std::nullopt;
    if (text[2] != '-' || text[35] != '-' || text[52] != '-') return std::nullopt;
    TraceContext context;
    std::array<std::uint8_t, 1> flags{};
    if (!read_hex(text.substr(3, 32), context.trace_id) ||
        !read_hex(text.substr(36, 16), context.parent_id) || !read_hex(text.substr(53, 2), flags))
        return std::nullopt;
    if (all_zero(context.trace_id) || all_zero(context.parent_id)) return std::nullopt;
    // Sent on as version 00: of a later version's flags only the one 00 defines is known.
    context.flags = version[0] == 0x00 ? flags[0] : (flags[0] & kTraceFlagSampled);
    return context;
}

std::string clean_tracestate(std::string_view text) {
    std::vector<std::string_view> members;
    std::set<std::string_view> keys;
    std::size_t start = 0;
    while (start <= text.size()) {
        std::size_t end = text.find(',', start);
        if (end == std::string_view::npos) end = text.size();
        std::string_view member = trim(text.substr(start, end - start));
        start = end + 1;
        if (member.empty()) continue;
        std::size_t eq = member.find('=');
        if (eq == std::string_view::npos) return {};
        std::string_view key = member.substr(0, eq);
        if (!valid_key(key) || !valid_value(member.substr(eq + 1))) return {};
        if (!keys.insert(key).second) return {};
        members.push_back(member);
        if (members.size() > kMaxTracestateMembers) return {};
    }
    std::string out;
    for (std::string_view m : members) {
        if (!out.empty()) out += ',';
        out += m;
    }
    if (out.size() > kMaxTracestateBytes) return {};
    return out;
}

std::optional<TraceContext> trace_context_from_headers(std::optional<std::string_view> traceparent,
                                                       std::optional<std::string_view> tracestate) {
    if (!traceparent) return std::nullopt;
    std::optional<TraceContext> context = parse_traceparent(*traceparent);
    if (context && tracestate) context->tracestate = clean_tracestate(*tracestate);
    return context;
}

TraceContext new_trace() {
    TraceContext context;
    fill_random_nonzero(context.trace_id);
    fill_random_nonzero(context.parent_id);
    context.flags = kTraceFlagSampled;
    return context;
}

TraceContext trace_for_event(const EventId& event) {
    static constexpr std::string_view kLabel = "etp trace of event ";
    std::string input(kLabel);
    input.append(reinterpret_cast<const char*>(event.value.bytes().data()), 16);
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (EVP_Digest(input.data(), input.size(), digest, &len, EVP_sha256(), nullptr) != 1)
        std::abort();
    TraceContext context;
    std::memcpy(context.trace_id.data(), digest, 16);
    std::memcpy(context.parent_id.data(), digest + 16, 8);
    // All-zero ids are invalid; 2^-64 and 2^-128 odds, but never send one.
    if (all_zero(context.trace_id)) context.trace_id[15] = 1;
    if (all_zero(context.parent_id)) context.parent_id[7] = 1;
    context.flags = kTraceFlagSampled;
    return context;
}

}  // namespace etp
