-- title: Runs
-- description: One line per run: its state (running, stale, finished, failed, diverged), hyperparameters and final metrics. A running run whose last heartbeat is older than :stale_after_s seconds (default 600, as gapdb runs --stale-after) is shown as stale: its process most likely died (this query judges by the heartbeat alone; `gapdb runs` also shows a run whose recording process is alive on this host as running). host and pid name the recording process.
-- params: stale_after_s?, experiment?
SELECT
  s.run_id AS id,
  s.experiment,
  s.name,
  CASE
    WHEN s.status = 'running'
      AND (julianday('now') - julianday(s.heartbeat_at)) * 86400.0 > coalesce(:stale_after_s, 600)
      THEN 'stale'
    ELSE s.status
  END AS state,
  s.final_epoch AS epoch,
  s.final_step AS step,
  s.train_loss,
  s.test_loss,
  s.train_error,
  s.test_error,
  s.error_gap,
  s.nan_columns,
  s.hyperparameters,
  s.heartbeat_at,
  s.host,
  s.pid
FROM run_summary AS s
WHERE :experiment IS NULL OR s.experiment = :experiment
ORDER BY s.run_id;
