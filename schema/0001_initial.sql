-- 0001_initial: the first gapdb schema.
--
-- Experiments hold runs; a run has typed hyperparameters, its network's layers, one row of
-- metrics per recorded epoch (epoch 0 = the initial weights), per-layer weight summaries and
-- complexity-measure values per epoch, and optional weight snapshots.
--
-- Conventions: STRICT tables, snake_case, timestamps are ISO-8601 UTC text with milliseconds
-- ('2026-11-29T09:30:00.000Z', as strftime('%Y-%m-%dT%H:%M:%fZ','now') writes them, so they
-- sort and compare as text), durations are *_s REAL seconds, Booleans are 0/1 INTEGER.
--
-- Non-finite values are data. SQLite REAL keeps +Inf and -Inf exactly (they read back as
-- infinities, never as 1.797e308), but SQLite stores a bound NaN as NULL. Therefore:
--   * measure_value has a value_kind column ('finite', 'nan', '+inf', '-inf', 'undefined');
--   * the wide tables (epoch_metric, layer_summary) store NaN as NULL and list the names of
--     the columns that were NaN in nan_columns (a JSON array, '[]' when none), so NULL with
--     the column named there means NaN and NULL without it means "not recorded".
-- Comparisons such as `train_loss < 0.1` are NULL (false) for a NaN loss, as they should be.

-- The bookkeeping of the migrator: one row per applied migration file.
CREATE TABLE schema_migration (
  -- the migration's number, e.g. 1 for 0001_initial.sql; equals PRAGMA user_version when last
  version INTEGER PRIMARY KEY CHECK (version > 0),
  -- the file name without .sql, e.g. '0001_initial'
  name TEXT NOT NULL,
  -- FNV-1a 64-bit hash of the file's UTF-8 bytes, 16 lowercase hex digits; opening fails if
  -- the tool's copy of an applied migration hashes differently
  checksum TEXT NOT NULL CHECK (length(checksum) = 16),
  -- when the migration was applied (ISO-8601 UTC)
  applied_at TEXT NOT NULL
) STRICT;

-- A named group of runs, e.g. one hyperparameter sweep.
CREATE TABLE experiment (
  id INTEGER PRIMARY KEY,
  -- any non-empty Unicode text, stored exactly (spaces, quotes, '/', ':' are fine)
  name TEXT NOT NULL UNIQUE CHECK (length(name) > 0),
  -- free text
  description TEXT,
  -- when the first run of this experiment was begun (ISO-8601 UTC)
  created_at TEXT NOT NULL
) STRICT;

-- One training run.
CREATE TABLE run (
  id INTEGER PRIMARY KEY,
  experiment_id INTEGER NOT NULL REFERENCES experiment (id) ON DELETE CASCADE,
  -- RFC 4122 UUID (lowercase, 36 characters): identifies the run when stores are merged
  uuid TEXT NOT NULL UNIQUE CHECK (length(uuid) = 36),
  -- human name, not necessarily unique
  name TEXT NOT NULL,
  -- running: in progress (or its process died: see heartbeat_at);
  -- finished: ended normally; failed: ended by an error, or marked failed after it went
  -- stale; diverged: a loss became NaN or +Inf
  status TEXT NOT NULL DEFAULT 'running'
    CHECK (status IN ('running', 'finished', 'failed', 'diverged')),
  -- why the run ended, free snake_case text; the recorder writes e.g.
  -- 'target_train_loss_reached', 'max_epochs', 'non_finite_loss', 'stale_heartbeat'
  stop_reason TEXT,
  -- the training-loss target the run trained towards (nats), NULL if none
  target_train_loss REAL,
  -- 1 if the final train_loss reached target_train_loss, 0 if not, NULL if no target or
  -- not known yet
  reached_target INTEGER CHECK (reached_target IN (0, 1)),
  -- ISO-8601 UTC
  started_at TEXT NOT NULL,
  -- ISO-8601 UTC, NULL while running
  ended_at TEXT,
  -- last sign of life (ISO-8601 UTC): set at begin, on every recorded epoch and on every
  -- heartbeat; a running run whose heartbeat is old is shown as stale (its process died)
  heartbeat_at TEXT NOT NULL,
  -- host name of the recording process
  host TEXT NOT NULL,
  -- process id of the recording process on host
  pid INTEGER,
  -- the random seed, if any (64-bit signed; store unsigned seeds by bit pattern)
  seed INTEGER,
  -- dataset name, e.g. 'fashion-mnist'
  dataset TEXT,
  -- the full configuration as a JSON object
  config TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(config)),
  CHECK ((status = 'running') = (ended_at IS NULL))
) STRICT;

-- runs of one experiment (runs --experiment, run_summary)
CREATE INDEX idx_run_experiment_id ON run (experiment_id);
-- stale-run detection (mark-stale): running runs by heartbeat age
CREATE INDEX idx_run_status_heartbeat_at ON run (status, heartbeat_at);

-- Hyperparameters, one row per run and key, typed so sweeps can be sliced in SQL:
-- `WHERE key = 'learning_rate' AND value < 0.05`.
CREATE TABLE hyperparameter (
  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  -- any non-empty Unicode text, stored exactly
  key TEXT NOT NULL CHECK (length(key) > 0),
  -- 'integer', 'real', 'boolean' or 'text'
  value_type TEXT NOT NULL CHECK (value_type IN ('integer', 'real', 'boolean', 'text')),
  -- the value itself: an INTEGER (exact, 64-bit; booleans are 0/1), a REAL (±Inf kept; a NaN
  -- is stored as NULL with value_text 'NaN') or TEXT
  value ANY CHECK (
    (value_type = 'text' AND typeof(value) = 'text')
    OR (value_type IN ('integer', 'boolean') AND typeof(value) = 'integer')
    OR (value_type = 'real' AND typeof(value) IN ('real', 'null'))),
  -- the value as text, exactly as given ('0.1', '3000000000', 'true', 'NaN', 'sgd')
  value_text TEXT NOT NULL,
  PRIMARY KEY (run_id, key)
) STRICT, WITHOUT ROWID;

-- slicing a sweep by one hyperparameter across runs
CREATE INDEX idx_hyperparameter_key_value ON hyperparameter (key, value);

-- The layers of a run's network, in forward order.
CREATE TABLE layer (
  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  -- 0-based position in the forward pass
  layer_index INTEGER NOT NULL CHECK (layer_index >= 0),
  -- e.g. 'layers.0' or 'fc1'
  name TEXT NOT NULL,
  -- e.g. 'linear', 'conv2d'
  kind TEXT NOT NULL,
  -- inputs per unit (columns of the weight matrix)
  fan_in INTEGER NOT NULL CHECK (fan_in > 0),
  -- units (rows of the weight matrix)
  fan_out INTEGER NOT NULL CHECK (fan_out > 0),
  -- weights + biases of the layer
  parameter_count INTEGER NOT NULL CHECK (parameter_count >= 0),
  PRIMARY KEY (run_id, layer_index)
) STRICT, WITHOUT ROWID;

-- One row per recorded epoch of a run.
CREATE TABLE epoch_metric (
  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  -- 0 = the initial weights before any training, then 1, 2, … (gaps allowed)
  epoch INTEGER NOT NULL CHECK (epoch >= 0),
  -- optimizer steps taken so far (64-bit)
  step INTEGER NOT NULL CHECK (step >= 0),
  -- mean cross-entropy on the training set, nats
  train_loss REAL,
  -- mean cross-entropy on the test set, nats
  test_loss REAL,
  -- fraction of training examples misclassified, 0…1
  train_error REAL CHECK (train_error BETWEEN 0 AND 1),
  -- fraction of test examples misclassified, 0…1
  test_error REAL CHECK (test_error BETWEEN 0 AND 1),
  -- learning rate used in this epoch
  learning_rate REAL,
  -- wall-clock seconds since the run began
  wall_time_s REAL,
  -- JSON array of the names of the columns above whose value was NaN (stored as NULL)
  nan_columns TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(nan_columns)),
  -- when the epoch was recorded (ISO-8601 UTC)
  recorded_at TEXT NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT, WITHOUT ROWID;

-- Per-epoch summary of one layer's weight matrix W (fan_out × fan_in). NULL means "not
-- computed" unless the column is named in nan_columns (then it was NaN).
CREATE TABLE layer_summary (
  run_id INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  layer_index INTEGER NOT NULL,
  -- ‖W‖_F = sqrt(Σ w²)
  frobenius_norm REAL,
  -- ‖W‖_2, the largest singular value
  spectral_norm REAL,
  -- ‖W‖_F² / ‖W‖_2²
  stable_rank REAL,
  -- Σ |w|
  l1_norm REAL,
  -- max |w|
  max_abs REAL,
  -- mean of the entries
  mean REAL,
  -- population standard deviation of the entries
  std REAL,
  min REAL,
  max REAL,
  -- quantiles of the entries (linear interpolation, numpy's default)
  q01 REAL,
  q05 REAL,
  q25 REAL,
  q50 REAL,
  q75 REAL,
  q95 REAL,
  q99 REAL,
  -- fraction of entries with |w| < 1e-6 (the threshold used by the recorder's callers; put
  -- another threshold in the run's config if you change it)
  near_zero_fraction REAL CHECK (near_zero_fraction BETWEEN 0 AND 1),
  -- group norms ‖W‖_{p,q} = (Σ_units (Σ_inputs |w|^p)^{q/p})^{1/q} (Neyshabur et al. 2015)
  group_norm_1_inf REAL,
  group_norm_2_2 REAL,
  group_norm_3_1p5 REAL,
  -- Schatten p-norms (Σ σ_i^p)^{1/p}: p = 1 (nuclear norm) and p = 1.5
  schatten_1 REAL,
  schatten_1p5 REAL,
  -- ‖W − W₀‖_F and ‖W − W₀‖_2, distance from the initial weights
  frobenius_distance_init REAL,
  spectral_distance_init REAL,
  -- JSON array of the names of the columns above whose value was NaN (stored as NULL)
  nan_columns TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(nan_columns)),
  PRIMARY KEY (run_id, epoch, layer_index),
  FOREIGN KEY (run_id, epoch) REFERENCES epoch_metric (run_id, epoch) ON DELETE CASCADE,
  FOREIGN KEY (run_id, layer_index) REFERENCES layer (run_id, layer_index) ON DELETE CASCADE
) STRICT, WITHOUT ROWID;

-- foreign-key lookups from layer when a layer row is deleted
CREATE INDEX idx_layer_summary_run_id_layer_index ON layer_summary (run_id, layer_index);

-- The catalogue of complexity measures. Rows registered by a measures library state every
-- property; a row created automatically for an unknown id has NULL properties ("not stated").
CREATE TABLE measure (
  -- stable identifier, conventionally snake_case ('spectral_product'); any text is accepted
  id TEXT PRIMARY KEY CHECK (length(id) > 0),
  -- display name
  name TEXT NOT NULL,
  description TEXT,
  -- the formula in plain text or LaTeX
  formula TEXT,
  -- paper and equation, e.g. 'Jiang et al. 2020, eq. (42)'
  source TEXT,
  -- 1 if computing it needs training data (e.g. margins, sharpness)
  needs_data INTEGER CHECK (needs_data IN (0, 1)),
  -- 1 if it needs the initial weights (distance from initialization)
  needs_init INTEGER CHECK (needs_init IN (0, 1)),
  -- 1 if invariant under node-wise rescaling of a ReLU network (Neyshabur et al. 2015)
  is_node_rescaling_invariant INTEGER CHECK (is_node_rescaling_invariant IN (0, 1)),
  -- 1 if invariant under rescaling layer i by c and layer j by 1/c
  is_layer_rescaling_invariant INTEGER CHECK (is_layer_rescaling_invariant IN (0, 1)),
  -- 1 if invariant under scaling the network's output
  is_output_scaling_invariant INTEGER CHECK (is_output_scaling_invariant IN (0, 1))
) STRICT;

-- Complexity-measure values, long form: one row per run, epoch and measure.
CREATE TABLE measure_value (
  run_id INTEGER NOT NULL,
  epoch INTEGER NOT NULL,
  measure_id TEXT NOT NULL REFERENCES measure (id) ON DELETE CASCADE ON UPDATE CASCADE,
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
  -- every inserted row, which halved the recorder's throughput.
  CHECK (
    (value_kind = 'finite' AND value IS NOT NULL AND abs(value) < 9e999)
    OR (value_kind = '+inf' AND value = 9e999)
    OR (value_kind = '-inf' AND value = -9e999)
    OR ((value_kind = 'nan' OR value_kind = 'undefined') AND value IS NULL))
) STRICT, WITHOUT ROWID;

-- No secondary index: every access path goes through the primary key. final_measure_value
-- and per-run queries seek (run_id, epoch, measure_id) directly; one measure across all runs
-- is one seek per run. An index on (measure_id, epoch) would cost ~25 % of the recorder's
-- write throughput (measured with gapdb-bench record) for queries that are already fast.

-- Optional weight snapshots (filled by the trainer).
CREATE TABLE weight_snapshot (
  run_id INTEGER NOT NULL REFERENCES run (id) ON DELETE CASCADE,
  -- the epoch whose end the weights belong to (0 = initial weights)
  epoch INTEGER NOT NULL CHECK (epoch >= 0),
  -- how data is encoded, e.g. 'npz', 'safetensors'
  format TEXT NOT NULL CHECK (length(format) > 0),
  -- the encoded weights
  data BLOB NOT NULL,
  PRIMARY KEY (run_id, epoch)
) STRICT, WITHOUT ROWID;

-- The generalization gap per recorded epoch.
CREATE VIEW generalization_gap AS
SELECT
  m.run_id,
  m.epoch,
  m.step,
  m.train_loss,
  m.test_loss,
  m.test_loss - m.train_loss AS loss_gap,
  m.train_error,
  m.test_error,
  m.test_error - m.train_error AS error_gap,
  m.nan_columns
FROM epoch_metric AS m;

-- Each run's last recorded epoch with its generalization gap.
CREATE VIEW final_epoch AS
SELECT g.*
FROM generalization_gap AS g
WHERE g.epoch = (SELECT max(m.epoch) FROM epoch_metric AS m WHERE m.run_id = g.run_id);

-- Each measure's value at each run's last recorded epoch, beside the gap there.
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

-- One row per run: identity, status, hyperparameters (a JSON object) and final metrics.
CREATE VIEW run_summary AS
SELECT
  r.id AS run_id,
  r.uuid,
  e.name AS experiment,
  r.name,
  r.status,
  r.stop_reason,
  r.reached_target,
  r.seed,
  r.dataset,
  r.host,
  r.pid,
  r.started_at,
  r.ended_at,
  r.heartbeat_at,
  (SELECT json_group_object(h.key, CASE
       WHEN h.value_type = 'boolean' THEN json(CASE h.value WHEN 0 THEN 'false' ELSE 'true' END)
       WHEN h.value_type = 'real' AND (h.value IS NULL OR abs(h.value) = 9e999) THEN h.value_text
       ELSE h.value END)
   FROM hyperparameter AS h WHERE h.run_id = r.id) AS hyperparameters,
  f.epoch AS final_epoch,
  f.step AS final_step,
  f.train_loss,
  f.test_loss,
  f.loss_gap,
  f.train_error,
  f.test_error,
  f.error_gap,
  f.nan_columns
FROM run AS r
JOIN experiment AS e ON e.id = r.experiment_id
LEFT JOIN final_epoch AS f ON f.run_id = r.id;
