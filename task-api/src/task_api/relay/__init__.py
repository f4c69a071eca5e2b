"""The outbox relay: streams outbox inserts from the WAL (pgoutput) to Kafka as CloudEvents."""
