"""Writes of the networks app, one module per job: sharing, publishing, connections."""
