"""The chat-completions wire (filled in by the next commits)."""
