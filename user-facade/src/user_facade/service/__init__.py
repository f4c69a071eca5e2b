"""The identity use cases; no Flask, no Keycloak client: they speak to the ports in `ports.py`."""
