"""Ways in: the command line and the HTTP API (web and voice later)."""
