#pragma once
// An event's status in SQL, over the columns of `events` (see 0005_archive_marks.sql): archived
// by hand (archived_at set), or by a retention pass that moved the archive watermark past its
// triggered_at. Every reader of the status goes through these, so the gateway and retention
// agree. Private to libs/pg.

#include <string>

namespace etp::pg::detail {

// The archive watermark: every event triggered before it is archived. One backward step of the
// marks' primary key; PostgreSQL runs an uncorrelated subquery once per statement.
inline const std::string kArchiveWatermark =
    "(SELECT coalesce(max(archived_before), '-infinity') FROM event_archive_marks)";

inline const std::string kIsActive =
    "(archived_at IS NULL AND triggered_at >= " + kArchiveWatermark + ")";
inline const std::string kIsArchived =
    "(archived_at IS NOT NULL OR triggered_at < " + kArchiveWatermark + ")";
// kIsArchived as two disjoint ranges, each readable in index order: archived by hand above the
// watermark (events_hand_archived_idx), and everything below it (events_triggered_at_idx).
inline const std::string kArchivedByHandAbove =
    "archived_at IS NOT NULL AND triggered_at >= " + kArchiveWatermark;
inline const std::string kBelowWatermark = "triggered_at < " + kArchiveWatermark;

// archived_at as users see it: the hand archive's time, or else that of the first mark past the
// event (not before it was logged: an event logged late is archived from its arrival). The
// correlated lookup runs only for events below the watermark, so a listing of recent events
// pays one watermark read per statement.
inline const std::string kEffectiveArchivedAt =
    "CASE WHEN archived_at IS NULL AND triggered_at < " + kArchiveWatermark +
    " THEN (SELECT greatest(marked_at, logged_at) FROM event_archive_marks"
    " WHERE archived_before > triggered_at ORDER BY archived_before LIMIT 1)"
    " ELSE archived_at END";

}  // namespace etp::pg::detail
