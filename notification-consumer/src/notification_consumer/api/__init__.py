"""HTTP only: flask-smorest blueprints, schemas and the mapping of errors to problem+json."""
