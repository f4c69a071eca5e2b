"""Taskwire's task service."""
