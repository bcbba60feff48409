"""Plumbing shared by every app, below all of them: no models, no business rules."""
