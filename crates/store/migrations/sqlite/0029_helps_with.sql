-- What each member can help with in their team, in their own words: the team's showcase lists it
-- beside their name so people from other teams know whom to ask.
ALTER TABLE team_members ADD COLUMN helps_with TEXT NOT NULL DEFAULT '';
