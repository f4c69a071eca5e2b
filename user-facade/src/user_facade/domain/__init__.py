"""Identity in plain Python: accounts, tokens and what can go wrong; imports nothing of ours."""
