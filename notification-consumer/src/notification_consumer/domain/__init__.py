"""Plain-Python rules of notifications: no Flask, no SQLAlchemy, no Kafka, nothing of ours."""
