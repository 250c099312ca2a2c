"""aibridge.store."""
