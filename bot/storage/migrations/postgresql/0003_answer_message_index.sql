-- Votes by reaction look an answer up by its platform message id.
CREATE INDEX answers_by_message ON answers (message_id);
