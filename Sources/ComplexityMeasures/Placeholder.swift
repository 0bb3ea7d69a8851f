// ComplexityMeasures module: placeholder until its issue lands.
