-- Changes made straight in the database by other services (not through Tidings) are recorded in
-- the change log by these triggers and announced with NOTIFY, so every live client sees them like
-- any other change. Tidings' own transactions set `tidings.app_write` and are skipped: they write
-- their change-log entries themselves. See docs/outside-writers.md for the contract.

CREATE FUNCTION tidings_iso(ts timestamptz) RETURNS text
LANGUAGE sql IMMUTABLE AS $$
  SELECT to_char(ts AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
--> statement-breakpoint
CREATE FUNCTION tidings_note_json(n notes) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', n.id, 'folderId', n.folder_id, 'title', n.title, 'content', n.content,
    'encryptedTitle', n.encrypted_title, 'encryptedContent', n.encrypted_content,
    'starred', n.starred, 'archived', n.archived, 'deleted', n.deleted, 'hidden', n.hidden,
    'tags', coalesce((SELECT jsonb_agg(t.name ORDER BY t.name COLLATE "C")
                        FROM note_tags nt JOIN tags t ON t.id = nt.tag_id
                       WHERE nt.note_id = n.id), '[]'::jsonb),
    'version', n.version,
    'createdAt', tidings_iso(n.created_at), 'updatedAt', tidings_iso(n.updated_at))
$$;
--> statement-breakpoint
CREATE FUNCTION tidings_folder_json(f folders) RETURNS jsonb
LANGUAGE sql STABLE AS $$
  SELECT jsonb_build_object(
    'id', f.id, 'name', f.name, 'parentId', f.parent_id, 'sortOrder', f.sort_order,
    'createdAt', tidings_iso(f.created_at), 'updatedAt', tidings_iso(f.updated_at))
$$;
--> statement-breakpoint
CREATE FUNCTION tidings_is_app_write() RETURNS boolean
LANGUAGE sql STABLE AS $$
  SELECT coalesce(current_setting('tidings.app_write', true), '') = 'on'
$$;
--> statement-breakpoint
-- Appends one event for a user with the next seq and announces it on channel tidings_changes.
CREATE FUNCTION tidings_log_outside_change(uid uuid, event_type text, payload jsonb) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
  next_seq bigint;
BEGIN
  UPDATE users SET last_seq = last_seq + 1 WHERE id = uid RETURNING last_seq INTO next_seq;
  IF next_seq IS NULL THEN
    RETURN;
  END IF;
  INSERT INTO change_log (user_id, seq, type, payload)
  VALUES (uid, next_seq, event_type,
          payload || jsonb_build_object(
            'timestamp', floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint,
            'fromUserId', 'server'));
  PERFORM pg_notify('tidings_changes', json_build_object('userId', uid, 'seq', next_seq)::text);
END
$$;
--> statement-breakpoint
-- An outside update is still a new version of the note.
CREATE FUNCTION tidings_bump_note_version() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NOT tidings_is_app_write() AND (OLD.* IS DISTINCT FROM NEW.*) THEN
    NEW.version := OLD.version + 1;
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;
--> statement-breakpoint
CREATE FUNCTION tidings_note_outside_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changes jsonb := '{}'::jsonb;
BEGIN
  IF tidings_is_app_write() THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM tidings_log_outside_change(NEW.user_id, 'note_created_sync',
      jsonb_build_object('noteData', tidings_note_json(NEW)));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM tidings_log_outside_change(OLD.user_id, 'note_deleted_sync',
      jsonb_build_object('noteId', OLD.id, 'permanent', true));
  ELSE
    IF NEW.folder_id IS DISTINCT FROM OLD.folder_id THEN changes := changes || jsonb_build_object('folderId', NEW.folder_id); END IF;
    IF NEW.title IS DISTINCT FROM OLD.title THEN changes := changes || jsonb_build_object('title', NEW.title); END IF;
    IF NEW.content IS DISTINCT FROM OLD.content THEN changes := changes || jsonb_build_object('content', NEW.content); END IF;
    IF NEW.encrypted_title IS DISTINCT FROM OLD.encrypted_title THEN changes := changes || jsonb_build_object('encryptedTitle', NEW.encrypted_title); END IF;
    IF NEW.encrypted_content IS DISTINCT FROM OLD.encrypted_content THEN changes := changes || jsonb_build_object('encryptedContent', NEW.encrypted_content); END IF;
    IF NEW.starred IS DISTINCT FROM OLD.starred THEN changes := changes || jsonb_build_object('starred', NEW.starred); END IF;
    IF NEW.archived IS DISTINCT FROM OLD.archived THEN changes := changes || jsonb_build_object('archived', NEW.archived); END IF;
    IF NEW.deleted IS DISTINCT FROM OLD.deleted THEN changes := changes || jsonb_build_object('deleted', NEW.deleted); END IF;
    IF NEW.hidden IS DISTINCT FROM OLD.hidden THEN changes := changes || jsonb_build_object('hidden', NEW.hidden); END IF;
    IF changes = '{}'::jsonb THEN
      RETURN NULL;
    END IF;
    PERFORM tidings_log_outside_change(NEW.user_id, 'note_sync',
      jsonb_build_object('noteId', NEW.id, 'changes', changes, 'updatedNote', tidings_note_json(NEW)));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE FUNCTION tidings_folder_outside_change() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  changes jsonb := '{}'::jsonb;
BEGIN
  IF tidings_is_app_write() THEN
    RETURN NULL;
  END IF;
  IF TG_OP = 'INSERT' THEN
    PERFORM tidings_log_outside_change(NEW.user_id, 'folder_created_sync',
      jsonb_build_object('folderData', tidings_folder_json(NEW)));
  ELSIF TG_OP = 'DELETE' THEN
    PERFORM tidings_log_outside_change(OLD.user_id, 'folder_deleted_sync',
      jsonb_build_object('folderId', OLD.id));
  ELSE
    IF NEW.name IS DISTINCT FROM OLD.name THEN changes := changes || jsonb_build_object('name', NEW.name); END IF;
    IF NEW.parent_id IS DISTINCT FROM OLD.parent_id THEN changes := changes || jsonb_build_object('parentId', NEW.parent_id); END IF;
    IF NEW.sort_order IS DISTINCT FROM OLD.sort_order THEN changes := changes || jsonb_build_object('sortOrder', NEW.sort_order); END IF;
    IF changes = '{}'::jsonb THEN
      RETURN NULL;
    END IF;
    PERFORM tidings_log_outside_change(NEW.user_id, 'folder_updated_sync',
      jsonb_build_object('folderId', NEW.id, 'changes', changes, 'updatedFolder', tidings_folder_json(NEW)));
  END IF;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER notes_bump_version_outside BEFORE UPDATE ON notes
  FOR EACH ROW EXECUTE FUNCTION tidings_bump_note_version();
--> statement-breakpoint
CREATE TRIGGER notes_outside_change AFTER INSERT OR UPDATE OR DELETE ON notes
  FOR EACH ROW EXECUTE FUNCTION tidings_note_outside_change();
--> statement-breakpoint
CREATE TRIGGER folders_outside_change AFTER INSERT OR UPDATE OR DELETE ON folders
  FOR EACH ROW EXECUTE FUNCTION tidings_folder_outside_change();
