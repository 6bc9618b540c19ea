-- The organisation's week goes out hourly to those whose Monday 08:00 has come (the job
-- reschedules itself); each person's week is sent once, by its notice's key.
INSERT INTO jobs (kind, job_key, payload, run_at, created_at) VALUES ('weekly', 'weekly:send', '{}', 0, 0);
CREATE INDEX services_newest ON services (created_at);
CREATE INDEX news_spotlights ON news_posts (created_at) WHERE spotlight AND removed_at IS NULL;
