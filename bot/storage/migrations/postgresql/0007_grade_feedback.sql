-- What the grader found, kept with the grade so a reveal, /results or a report can explain it
-- after a restart: each covered point's evidence (the answer's own words) and every
-- misconception asserted, with its correction. JSON; see repositories.grade_to_json.
ALTER TABLE answers ADD COLUMN feedback TEXT COLLATE "C";
ALTER TABLE practice_attempts ADD COLUMN feedback TEXT COLLATE "C";
