"""Views of the toolkit, one module per feature: calls, escalations, decisions."""
