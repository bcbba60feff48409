"""Writes of the leaderboard app, one module per concern (import from the module itself):

- `ledger`: rules in force, appending to the ledger, period totals and Redis increments;
- `awards`: what earns points (shares, clicks and their reversal, engagement, streaks) and the periodic pulls;
- `badges`: badges granted once;
- `rebuild`: opt-out and membership changes, rebuilding period totals and Redis boards from the ledger.

Every award is idempotent: the ledger's unique constraint (action, source, step) turns a
re-run or a retried task into a no-op. Totals in `PeriodScore` change in the same
transaction as the ledger; Redis follows after commit and can always be rebuilt.
"""
