-- A manager's sessions are ended together (a password change, a deactivation: END_SESSIONS in
-- storage/sql/managers.rs); without this index that DELETE scans every session.
CREATE INDEX support_sessions_manager ON support_sessions (manager_id);
