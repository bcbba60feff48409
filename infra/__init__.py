"""Infrastructure below every app: plain Python modules with no models, no views and no business rules.

- `infra.outbound_http`: the one HTTP client for URLs that a user or a remote document chose.
- `infra.redis`: the one way to open a Redis connection.

Nothing in `infra` imports an app; any app may import `infra`.
"""
