-- 0015: the W3C trace context each event travels in (docs/tracing.md): the traceparent it was
-- fired with (its parent-id the span that fired) and the tracestate, if any. Kept with the
-- event so that retries and redeliveries, which reload it from here, stay in the same trace.
-- NULL for events logged before; the dispatcher then derives the trace from the event id.
-- (0014 is left to the cdc snapshot work.)
ALTER TABLE events
    ADD COLUMN traceparent text,
    ADD COLUMN tracestate text;
