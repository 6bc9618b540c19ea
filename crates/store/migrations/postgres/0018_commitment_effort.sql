-- Hours of work each delivery of a commitment takes its provider, for the forecast and workload.
ALTER TABLE commitments ADD COLUMN effort_hours DOUBLE PRECISION NOT NULL DEFAULT 0;
