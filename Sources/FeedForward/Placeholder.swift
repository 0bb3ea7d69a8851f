// FeedForward module: placeholder until its issue lands.
