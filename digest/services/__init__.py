"""Writes of the digest app: `sending` (the daily run), `content` (what each digest holds), `rendering`
(subject, text and HTML), `actions` (what the links in a digest do: share, unsubscribe, preferences)."""
