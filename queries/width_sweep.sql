-- title: Width sweep
-- description: Runs of an experiment grouped by their number of hidden units (fan_out summed over every layer but the output layer, from the layer table), with the mean final training and test error, error gap and loss gap, as in Neyshabur et al.'s over-parametrization tables. Runs without a recorded epoch are left out.
-- params: experiment
WITH hidden AS (
  SELECT
    l.run_id,
    sum(l.fan_out) AS hidden_units,
    max(l.fan_out) AS widest_layer,
    count(*) AS hidden_layers
  FROM layer AS l
  WHERE l.layer_index < (SELECT max(o.layer_index) FROM layer AS o WHERE o.run_id = l.run_id)
  GROUP BY l.run_id
)
SELECT
  h.hidden_units,
  h.hidden_layers,
  h.widest_layer,
  count(*) AS runs,
  avg(s.train_error) AS train_error,
  avg(s.test_error) AS test_error,
  min(s.test_error) AS best_test_error,
  avg(s.error_gap) AS error_gap,
  avg(s.loss_gap) AS loss_gap
FROM run_summary AS s
JOIN hidden AS h ON h.run_id = s.run_id
WHERE s.experiment = :experiment
  AND s.final_epoch IS NOT NULL
GROUP BY h.hidden_units, h.hidden_layers, h.widest_layer
ORDER BY h.hidden_units, h.hidden_layers;
