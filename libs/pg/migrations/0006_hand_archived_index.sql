-- 0006: the events archived by hand, in listing order.
--
-- A listing of archived events reads two ranges newest first: below the archive watermark
-- (events_triggered_at_idx), and the events archived by hand above it, found here without
-- stepping over the active ones. Hand archives are rare, so the index is small; on a database
-- that archived by UPDATE before 0005 it also holds those rows until they are deleted.
CREATE INDEX events_hand_archived_idx ON events (triggered_at DESC, id DESC)
    WHERE archived_at IS NOT NULL;
