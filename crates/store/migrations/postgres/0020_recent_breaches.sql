-- Home lists a team's breaches of the past week: found by mark and time, not by scanning
-- every mark ever written.
CREATE INDEX clock_marks_recent ON clock_marks (mark, at);
