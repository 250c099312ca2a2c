"""aibridge.web."""
