-- The team queue: open requests of one team by priority, oldest first. A partial index holds
-- only open requests, so the first page is read in order without sorting the whole backlog.
CREATE INDEX requests_open_queue ON requests (team_id, priority, created_at)
    WHERE status IN ('new', 'open', 'in_progress', 'waiting_on_requester', 'waiting_on_others');
