"""The outside world the worker talks to: Kafka, the SMTP server and the user directory."""
