"""Use cases of notifications; each owns its transactions. Never imports Flask or Kafka."""
