-- 0002_measure_value_without_catalogue_fk: measure_value no longer has a foreign key to the
-- measure catalogue; triggers on measure keep its ON DELETE / ON UPDATE CASCADE behaviour.
--
-- Why: the foreign key made every inserted value seek the catalogue's text index, about
-- 13 % of the instructions of a recorded value (callgrind, 100 values per epoch, multi-row
-- inserts). The recorder never writes a value without its catalogue row: it creates the
-- minimal row (name = id) for an unknown id in the same transaction as the value.
--
-- Trade-off: SQLite no longer refuses a measure_value row whose measure_id is missing from
-- the catalogue when it is written by hand (`gapdb sql --write`), and
-- `PRAGMA foreign_key_check` does not report such rows. Find them with
--   SELECT * FROM measure_value WHERE measure_id NOT IN (SELECT id FROM measure);
-- Deleting a catalogue row still deletes its values, and renaming a catalogue id still
-- renames it in measure_value (the triggers below). The foreign key to epoch_metric (and
-- through it to run) stays: a value cannot exist without its epoch.
--
-- SQLite cannot drop a constraint, so the table is rebuilt: the old one is renamed, the new
-- one created under the old name, the rows copied, the old table dropped (the view that reads
-- it is dropped first and recreated unchanged).

DROP VIEW final_measure_value;

ALTER TABLE measure_value RENAME TO measure_value_v1;

-- Complexity-measure values, long form: one row per run, epoch and measure.
CREATE TABLE measure_value (
  run_id INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  -- the catalogue id (measure.id); the recorder creates the catalogue row, SQLite does not
  -- check it (see the header of schema/0002_measure_value_without_catalogue_fk.sql)
  measure_id TEXT NOT NULL,
  -- the value; NULL unless value_kind is 'finite', '+inf' or '-inf'
  value REAL,
  -- 'finite'; 'nan'; '+inf' / '-inf' (value holds the infinity); 'undefined' (the measure
  -- does not apply, e.g. a spectral quantity of a degenerate layer: say why in detail).
  -- The table CHECK below allows exactly these five.
  value_kind TEXT NOT NULL,
  -- optional JSON: the settings used, or the reason a value is undefined
  detail TEXT CHECK (detail IS NULL OR json_valid(detail)),
  PRIMARY KEY (run_id, epoch, measure_id),
  FOREIGN KEY (run_id, epoch) REFERENCES epoch_metric (run_id, epoch) ON DELETE CASCADE,
  -- Written with = and OR, not IN (…): an IN list in a CHECK builds a temporary b-tree on
  -- every inserted row, which halved the recorder's throughput. (A CASE on value_kind costs
  -- about 3 % more instructions per row than these ORs.)
  CHECK (
    (value_kind = 'finite' AND value IS NOT NULL AND abs(value) < 9e999)
    OR (value_kind = '+inf' AND value = 9e999)
    OR (value_kind = '-inf' AND value = -9e999)
    OR ((value_kind = 'nan' OR value_kind = 'undefined') AND value IS NULL))
) STRICT, WITHOUT ROWID;

INSERT INTO measure_value (run_id, epoch, measure_id, value, value_kind, detail)
SELECT run_id, epoch, measure_id, value, value_kind, detail FROM measure_value_v1;

DROP TABLE measure_value_v1;

-- As before, no secondary index: every access path goes through the primary key.

-- Deleting a catalogue entry deletes its values (was ON DELETE CASCADE).
CREATE TRIGGER measure_delete_values AFTER DELETE ON measure
BEGIN
  DELETE FROM measure_value WHERE measure_id = old.id;
END;

-- Renaming a catalogue id renames it in the values (was ON UPDATE CASCADE).
CREATE TRIGGER measure_rename_values AFTER UPDATE OF id ON measure
WHEN new.id IS NOT old.id
BEGIN
  UPDATE measure_value SET measure_id = new.id WHERE measure_id = old.id;
END;

-- Each measure's value at each run's last recorded epoch, beside the gap there (unchanged).
CREATE VIEW final_measure_value AS
SELECT
  v.run_id,
  v.epoch,
  v.measure_id,
  v.value,
  v.value_kind,
  f.error_gap,
  f.loss_gap,
  f.train_loss,
  f.test_error
FROM measure_value AS v
JOIN final_epoch AS f ON f.run_id = v.run_id AND f.epoch = v.epoch;
