#include <catch2/catch.hpp>
#include <set>
#include <string>

#include "etp/domain/trace_context.hpp"

using etp::clean_tracestate;
using etp::parse_traceparent;
using etp::TraceContext;

namespace {

constexpr const char* kValid = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";

bool lower_hex(const std::string& s) {
    return s.find_first_not_of("0123456789abcdef") == std::string::npos;
}

// A traceparent a receiver would accept: version 00 and the standard's rules.
bool well_formed(const std::string& tp) {
    return tp.size() == 55 && tp.substr(0, 3) == "00-" && tp[35] == '-' && tp[52] == '-' &&
           lower_hex(tp.substr(3, 32)) && lower_hex(tp.substr(36, 16)) &&
           lower_hex(tp.substr(53, 2)) && tp.substr(3, 32) != std::string(32, '0') &&
           tp.substr(36, 16) != std::string(16, '0');
}

}  // namespace

TEST_CASE("a version 00 traceparent is parsed and printed back") {
    auto context = parse_traceparent(kValid);
    REQUIRE(context);
    CHECK(context->trace_id_hex() == "0af7651916cd43dd8448eb211c80319c");
    CHECK(context->parent_id_hex() == "b7ad6b7169203331");
    CHECK(context->flags == 0x01);
    CHECK(context->traceparent() == kValid);
    CHECK(context->tracestate.empty());
    // Flags are passed on as received (00 is "not sampled").
    auto unsampled = parse_traceparent("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
    REQUIRE(unsampled);
    CHECK(unsampled->flags == 0x00);
}

TEST_CASE("invalid traceparents are refused") {
    for (const char* bad : {
             "",
             "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331",      // no flags
             "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-",  // 00 has no more
             "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01x",
             "00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01",  // upper case
             "00-0af7651916cd43dd8448eb211c80319c-B7AD6B7169203331-01",
             "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-0A",
             "0A-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
             "00-00000000000000000000000000000000-b7ad6b7169203331-01",  // zero trace-id
             "00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01",  // zero parent-id
             "ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",  // version ff
             "00_0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
             "00-0af7651916cd43dd8448eb211c80319c_b7ad6b7169203331-01",
             "00-0af7651916cd43dd8448eb211c80319cb7ad6b7169203331--01",
             "00-0af7651916cd43dd8448eb211c8031-9cb7ad6b7169203331-01",
             " 00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
             "00-0af7651916cd43dd8448eb211c80319g-b7ad6b7169203331-01",
         }) {
        INFO(bad);
        CHECK_FALSE(parse_traceparent(bad));
    }
}

TEST_CASE("a later version is read by its first 55 characters") {
    // Fields a later version may add follow a '-'; the known ones are read, and only the
    // sampled flag is kept, as the flags of a later version are not known.
    auto later = parse_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-03-what");
    REQUIRE(later);
    CHECK(later->traceparent() == "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
    CHECK(parse_traceparent("01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00"));
    // Without the '-' after 55 characters, or shorter, it is not read.
    CHECK_FALSE(parse_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01what"));
    CHECK_FALSE(parse_traceparent("cc-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-1"));
}

TEST_CASE("tracestate is kept only when valid and bounded") {
    CHECK(clean_tracestate("congo=t61rcWkgMzE") == "congo=t61rcWkgMzE");
    CHECK(clean_tracestate(" rojo=00f067aa0ba902b7 ,, congo=t61rcWkgMzE\t") ==
          "rojo=00f067aa0ba902b7,congo=t61rcWkgMzE");
    CHECK(clean_tracestate("tenant1@vendor=x y") == "tenant1@vendor=x y");
    CHECK(clean_tracestate("").empty());
    CHECK(clean_tracestate("Congo=1").empty());          // upper-case key
    CHECK(clean_tracestate("congo").empty());            // no value
    CHECK(clean_tracestate("congo=a=b").empty());        // '=' in the value
    CHECK(clean_tracestate("congo=1,congo=2").empty());  // a key twice
    CHECK(clean_tracestate("congo=1 ").size() == 7);     // blanks around a member are not part
    CHECK(clean_tracestate("congo=\x01").empty());
    CHECK(clean_tracestate("@vendor=1").empty());
    std::string many;
    for (int i = 0; i < 33; ++i)
        many += (i ? "," : "") + std::string("k") + std::to_string(i) + "=v";
    CHECK(clean_tracestate(many).empty());  // 33 members
    many = many.substr(0, many.rfind(','));
    CHECK(clean_tracestate(many) == many);  // 32
    const std::string long_value(250, 'x');
    std::string too_long = "a=" + long_value + ",b=" + long_value + ",c=" + long_value;
    CHECK(too_long.size() > etp::kMaxTracestateBytes);
    CHECK(clean_tracestate(too_long).empty());
}

TEST_CASE("request headers give a context only with a valid traceparent") {
    auto with_state = etp::trace_context_from_headers(kValid, "congo=t61rcWkgMzE");
    REQUIRE(with_state);
    CHECK(with_state->tracestate == "congo=t61rcWkgMzE");
    CHECK_FALSE(etp::trace_context_from_headers(std::nullopt, "congo=t61rcWkgMzE"));
    CHECK_FALSE(etp::trace_context_from_headers("00-zz", "congo=t61rcWkgMzE"));
    auto bad_state = etp::trace_context_from_headers(kValid, "Congo=1");
    REQUIRE(bad_state);
    CHECK(bad_state->tracestate.empty());
}

TEST_CASE("new traces and child spans are valid, random and keep the trace") {
    std::set<std::string> traces;
    for (int i = 0; i < 100; ++i) {
        TraceContext t = etp::new_trace();
        INFO(t.traceparent());
        CHECK(well_formed(t.traceparent()));
        CHECK(t.flags == etp::kTraceFlagSampled);
        CHECK(parse_traceparent(t.traceparent()) == t);
        traces.insert(t.trace_id_hex());
    }
    CHECK(traces.size() == 100);

    auto parent = parse_traceparent(kValid);
    REQUIRE(parent);
    parent->tracestate = "congo=1";
    TraceContext a = parent->child();
    TraceContext b = parent->child();
    CHECK(a.trace_id == parent->trace_id);
    CHECK(a.flags == parent->flags);
    CHECK(a.tracestate == "congo=1");
    CHECK(a.parent_id != parent->parent_id);
    CHECK(a.parent_id != b.parent_id);
    CHECK(well_formed(a.traceparent()));
}

TEST_CASE("an event's derived trace is stable and differs per event") {
    auto e1 = etp::EventId::parse("0190a5c4-0000-7000-8000-000000000001");
    auto e2 = etp::EventId::parse("0190a5c4-0000-7000-8000-000000000002");
    REQUIRE(e1);
    REQUIRE(e2);
    TraceContext a = etp::trace_for_event(*e1);
    CHECK(a == etp::trace_for_event(*e1));
    CHECK(a.trace_id != etp::trace_for_event(*e2).trace_id);
    CHECK(well_formed(a.traceparent()));
    CHECK(a.flags == etp::kTraceFlagSampled);
}
