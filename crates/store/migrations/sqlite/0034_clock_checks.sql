-- A clock carries the instant the runner must next look at it (it turns at risk, then
-- breached), under a partial index the runner claims from. A clock used to be watched by a row
-- in `jobs`, with its JSON and text key under three indexes, rewritten at every change of the
-- clock; now the check is one column of the row the change writes anyway.

ALTER TABLE request_clocks ADD COLUMN check_at INTEGER;

UPDATE request_clocks SET check_at = (
    SELECT j.run_at FROM jobs j
    WHERE j.job_key = 'clock:' || request_clocks.request_id || ':' || request_clocks.kind
      AND j.done_at IS NULL AND j.failed_at IS NULL
);

DELETE FROM jobs WHERE kind = 'clock_check';

CREATE INDEX request_clocks_check ON request_clocks (check_at) WHERE check_at IS NOT NULL;
