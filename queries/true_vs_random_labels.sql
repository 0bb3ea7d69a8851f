-- title: True versus random labels
-- description: Runs of an experiment grouped by label noise (hyperparameter label_noise, the fraction of training labels made random; runs without it count as 0 = true labels), with the mean final training and test error and error gap, and each measure's mean and range at the final epoch (finite values only), as in Zhang et al. 2017 and Neyshabur et al. 2017; one measure with -p measure ID.
-- params: experiment, measure?
WITH labelled AS (
  SELECT
    s.run_id,
    coalesce(
      (SELECT h.value FROM hyperparameter AS h
       WHERE h.run_id = s.run_id AND h.key = 'label_noise'),
      0.0) AS label_noise,
    s.train_error,
    s.test_error,
    s.error_gap
  FROM run_summary AS s
  WHERE s.experiment = :experiment
    AND s.final_epoch IS NOT NULL
)
SELECT
  l.label_noise,
  f.measure_id AS measure,
  count(*) AS runs,
  avg(l.train_error) AS train_error,
  avg(l.test_error) AS test_error,
  avg(l.error_gap) AS error_gap,
  avg(CASE WHEN f.value_kind = 'finite' THEN f.value END) AS mean_value,
  min(CASE WHEN f.value_kind = 'finite' THEN f.value END) AS min_value,
  max(CASE WHEN f.value_kind = 'finite' THEN f.value END) AS max_value,
  sum(f.value_kind <> 'finite') AS non_finite_values
FROM labelled AS l
JOIN final_measure_value AS f ON f.run_id = l.run_id
WHERE :measure IS NULL OR f.measure_id = :measure
GROUP BY l.label_noise, f.measure_id
ORDER BY f.measure_id, l.label_noise;
