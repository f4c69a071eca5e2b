"""The reminder scheduler process (`taskwire-reminders`): scans for due tasks, sends their
`task.due_soon` events through the outbox."""
