"""Use cases of tasks; each owns its transaction. Never imports Flask."""
