"""Plain-Python rules of tasks: no Flask, no SQLAlchemy, nothing of ours imported."""
