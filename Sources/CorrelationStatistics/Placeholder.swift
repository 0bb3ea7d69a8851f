// CorrelationStatistics module: placeholder until its issue lands.
