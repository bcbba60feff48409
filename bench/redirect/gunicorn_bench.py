"""gunicorn settings for the benchmark's comparison: none (no access log, like granian's default)."""
