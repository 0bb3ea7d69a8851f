// RunRecorder module: placeholder until its issue lands.
