-- 0003_run_host_pid: the recording process's identity beyond host and pid, and exact
-- hyperparameter numbers in run_summary.
--
-- 1. run.process_start identifies the recording process's start, so that `gapdb mark-stale`
--    can tell a live training (never marked, whatever its heartbeat age) from a dead one whose
--    pid the kernel has since given to another process. On Linux it is
--    '<boot_id>:<start ticks>': /proc/sys/kernel/random/boot_id and field 22 of
--    /proc/<pid>/stat (clock ticks after boot). NULL where unknown (other systems, and runs
--    recorded before this migration: mark-stale then compares the process's start time with
--    run.started_at). run.host and run.pid (0001) keep the host name and process id.
--
-- 2. run_summary.hyperparameters printed reals with 15 significant digits (SQLite's JSON
--    functions format REAL with %.15g, so 0.30000000000000004 read 0.3 and 2^70 read
--    1.18059162071741e+21). Each finite real now enters the JSON object as its value_text
--    (the shortest text that reads back to the same double, written by the recorder) when
--    that text is a JSON number equal to the stored value; otherwise (a hand-edited row) as
--    SQLite's 17-digit text if that reads back to the same value, else as its value_text in
--    a JSON string, so the object never shows a number other than the stored one.

ALTER TABLE run ADD COLUMN process_start TEXT;

DROP VIEW run_summary;

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
       WHEN h.value_type = 'real'
         AND json_valid(h.value_text) AND json_type(h.value_text) IN ('real', 'integer')
         AND CAST(h.value_text AS REAL) = h.value
         THEN json(h.value_text)
       WHEN h.value_type = 'real' AND CAST(printf('%!.17g', h.value) AS REAL) = h.value
         THEN json(printf('%!.17g', h.value))
       WHEN h.value_type = 'real' THEN h.value_text
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
