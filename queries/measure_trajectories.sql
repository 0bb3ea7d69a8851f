-- title: Measure trajectories over epochs
-- description: One run's complexity measures at every recorded epoch, beside the error gap at that epoch; one measure with -p measure ID, or every measure when measure is not given. value_kind says finite, nan, +inf, -inf or undefined.
-- params: run_id, measure?
SELECT
  v.measure_id AS measure,
  v.epoch,
  v.value,
  v.value_kind,
  g.error_gap,
  g.train_loss
FROM measure_value AS v
JOIN generalization_gap AS g ON g.run_id = v.run_id AND g.epoch = v.epoch
WHERE v.run_id = :run_id
  AND (:measure IS NULL OR v.measure_id = :measure)
ORDER BY v.measure_id, v.epoch;
