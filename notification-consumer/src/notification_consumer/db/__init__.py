"""Persistence: table models, repositories and the unit of work (which owns the transaction)."""
