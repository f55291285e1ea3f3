-- A schedule quizbot paused on its own, apart from a lead's stop (active = 0): NULL when it
-- runs; 'uninstalled' while the Slack app is removed from the channel's workspace (its bot
-- token gone), so its posts, reveals and reminders wait instead of failing every sweep.
-- Installing the app again clears it; the lead's own choice (active) is never touched.
ALTER TABLE subscriptions ADD COLUMN paused TEXT;
