// ResultsStore module: placeholder until its issue lands.
