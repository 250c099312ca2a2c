"""aibridge.api."""
