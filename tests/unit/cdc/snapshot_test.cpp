#include "snapshot.hpp"

#include <catch2/catch.hpp>

#include "cdc_triggers.hpp"

using namespace etp;
using namespace etp::cdc_capture;

TEST_CASE("pg_current_snapshot text parses and prints back", "[cdc]") {
    auto s = XidSnapshot::parse("100:105:103,101");
    REQUIRE(s);
    CHECK(s->xmin == 100);
    CHECK(s->xmax == 105);
    CHECK(s->xip == std::vector<std::uint64_t>{101, 103});
    CHECK(s->text() == "100:105:101,103");
    CHECK(XidSnapshot::parse("7:7:")->text() == "7:7:");
    for (const char* bad : {"", "1:2", "x:2:", "3:2:", "1:5:7", "1:5:2,", "1:5:,2", "1:5:0"}) {
        INFO(bad);
        CHECK_FALSE(XidSnapshot::parse(bad));
    }
}

TEST_CASE("a transaction is in a snapshot when it committed before it was taken", "[cdc]") {
    const auto s = *XidSnapshot::parse("100:105:101,103");
    CHECK(s.visible(99));         // ended before the oldest running one
    CHECK(s.visible(100));        // xmin itself, not in progress: committed
    CHECK_FALSE(s.visible(101));  // in progress then
    CHECK(s.visible(102));
    CHECK_FALSE(s.visible(103));
    CHECK(s.visible(104));
    CHECK_FALSE(s.visible(105));  // started after
    CHECK_FALSE(s.visible(200));
}

TEST_CASE("32-bit stream xids compare with a 64-bit snapshot across the epoch", "[cdc]") {
    // Epoch 3: xmax 3 * 2^32 + 10; xids on both sides of the 32-bit wrap.
    const std::uint64_t epoch = 3ULL << 32;
    XidSnapshot s;
    s.xmin = epoch - 5;
    s.xmax = epoch + 10;
    s.xip = {epoch - 2, epoch + 4};
    CHECK(s.visible(0xFFFFFFF0u));        // epoch - 16: before xmin
    CHECK_FALSE(s.visible(0xFFFFFFFEu));  // epoch - 2: in progress
    CHECK(s.visible(0xFFFFFFFFu));        // epoch - 1
    CHECK(s.visible(3u));                 // epoch + 3
    CHECK_FALSE(s.visible(4u));
    CHECK_FALSE(s.visible(10u));  // xmax
    CHECK_FALSE(s.visible(11u));
}

TEST_CASE("CDC_SNAPSHOT is initial or never", "[cdc]") {
    CHECK(parse_snapshot_mode("initial") == SnapshotMode::kInitial);
    CHECK(parse_snapshot_mode("never") == SnapshotMode::kNever);
    CHECK_FALSE(parse_snapshot_mode("always"));
}

TEST_CASE("a cdc trigger fires on snapshot rows only when it lists read", "[cdc]") {
    CdcTrigger t;
    t.on_insert = t.on_update = t.on_delete = true;
    const nlohmann::json document = {
        {"op", "r"}, {"table", "public.monitors"}, {"before", nullptr}, {"after", {{"id", 1}}}};
    CHECK_FALSE(t.matches("r", document));
    t.on_read = true;
    CHECK(t.matches("r", document));
}
