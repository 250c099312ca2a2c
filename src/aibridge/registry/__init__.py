"""aibridge.registry."""
