"""Taskwire's notification service."""
