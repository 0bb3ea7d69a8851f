-- title: Final measures versus the generalization gap
-- description: For every run of an experiment, each measure's value at the run's last recorded epoch beside the error and loss gaps there and the run's hyperparameters; one measure with -p measure ID. Rank them with kendall_tau(value, error_gap) or gapdb correlate.
-- params: experiment, measure?
SELECT
  s.run_id,
  s.name AS run,
  s.status,
  f.measure_id AS measure,
  f.value,
  f.value_kind,
  f.error_gap,
  f.loss_gap,
  f.epoch,
  s.hyperparameters
FROM final_measure_value AS f
JOIN run_summary AS s ON s.run_id = f.run_id
WHERE s.experiment = :experiment
  AND (:measure IS NULL OR f.measure_id = :measure)
ORDER BY f.measure_id, s.run_id;
