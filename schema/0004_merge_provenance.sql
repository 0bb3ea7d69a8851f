-- 0004_merge_provenance: where each run copied by `gapdb merge` came from.
--
-- A cluster sweep writes one store per shard (array task) and a final `gapdb merge OUT IN…`
-- combines them. Runs keep their identity (run.uuid) across stores; this table records, for
-- every run the merge copied, the file it was read from and the host that read it, so a
-- merged store can be traced back to its shards. A run recorded directly into a store has no
-- row here. Merging a merged store carries its rows over unchanged (the original shard stays
-- named), and they are not part of a run's content when the merge compares two copies of a run.

CREATE TABLE run_provenance (
  run_id INTEGER PRIMARY KEY REFERENCES run (id) ON DELETE CASCADE,
  -- the input file as the merge saw it: an absolute path ('/scratch/sweep/shard-3.sqlite')
  source_file TEXT NOT NULL CHECK (length(source_file) > 0),
  -- host name of the machine that ran the merge which read source_file
  source_host TEXT NOT NULL,
  -- the run's id (run.id) inside source_file
  source_run_id INTEGER NOT NULL,
  -- the schema version (PRAGMA user_version) of source_file when it was read
  source_schema_version INTEGER NOT NULL CHECK (source_schema_version > 0),
  -- when the run was merged (ISO-8601 UTC)
  merged_at TEXT NOT NULL
) STRICT;
