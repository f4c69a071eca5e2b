"""Taskwire's identity facade over Keycloak."""
