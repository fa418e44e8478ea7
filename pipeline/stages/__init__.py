"""One module per stage; each exposes one typed function that the runner calls."""
