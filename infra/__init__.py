"""Infrastructure below every app: plain Python modules with no models and no views.

`infra.outbound_http` is the one HTTP client for URLs that a user or a remote document chose.
Nothing in `infra` imports an app; any app may import `infra`.
"""
