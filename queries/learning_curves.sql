-- title: Learning curves of a run
-- description: Every recorded epoch of one run: training and test loss (nats) and error (fractions), the error and loss gaps, learning rate and wall time. NaN metrics are NULL and named in nan_columns.
-- params: run_id
SELECT
  g.epoch,
  g.step,
  g.train_loss,
  g.test_loss,
  g.loss_gap,
  g.train_error,
  g.test_error,
  g.error_gap,
  m.learning_rate,
  m.wall_time_s,
  g.nan_columns
FROM generalization_gap AS g
JOIN epoch_metric AS m ON m.run_id = g.run_id AND m.epoch = g.epoch
WHERE g.run_id = :run_id
ORDER BY g.epoch;
