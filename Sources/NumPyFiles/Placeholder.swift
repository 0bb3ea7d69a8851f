// NumPyFiles module: placeholder until its issue lands.
