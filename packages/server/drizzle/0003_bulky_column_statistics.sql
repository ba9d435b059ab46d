-- ANALYZE samples up to 30,000 rows of a table and builds statistics for every column. For a
-- note's body and a change's payload that is most of its work and helps no plan: no query filters
-- or joins on them (the notes search's ILIKE runs on one user's notes, found through its index).
-- Without them ANALYZE of a change log that grew by 50,000 entries took 86 ms instead of 1,042 ms
-- (store/pglite-maintenance.ts runs it on embedded PGlite; autovacuum does on a real Postgres).
ALTER TABLE "change_log" ALTER COLUMN "payload" SET STATISTICS 0;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "content" SET STATISTICS 0;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "encrypted_content" SET STATISTICS 0;--> statement-breakpoint
ALTER TABLE "note_versions" ALTER COLUMN "content" SET STATISTICS 0;--> statement-breakpoint
ALTER TABLE "note_versions" ALTER COLUMN "encrypted_content" SET STATISTICS 0;
