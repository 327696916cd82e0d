-- The audit log page filters by who acted and by what was done, newest first (issue 15).
-- Without these, a filter on a rare actor or action walks the whole log backwards by id;
-- with them, each filter reads its own rows in id order and stops at the page's end.
CREATE INDEX audit_log_actor ON audit_log (actor, id);
CREATE INDEX audit_log_action ON audit_log (action, id);
