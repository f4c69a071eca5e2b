"""Settings read from the environment, the same way by every Taskwire process."""
