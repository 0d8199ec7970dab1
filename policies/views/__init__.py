"""Policy pages: reading (every signed-in user), the version journey and the directory (policy owners)."""
