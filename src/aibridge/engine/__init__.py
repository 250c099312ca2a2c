"""aibridge.engine."""
