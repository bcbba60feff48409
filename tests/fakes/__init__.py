"""Local fake servers for the networks, speaking their real request and response shapes.

Each fake mounts a catch-all handler on a pytest-httpserver instance under its own path
prefix, validates requests the way the network documents them, keeps state (apps, tokens,
posts) and can be told to fail the next calls (`fail(endpoint, status, ...)`).
"""
