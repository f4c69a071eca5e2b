"""The outside world behind the ports of `service.ports`: Keycloak, Kafka, the rate-limit store."""
