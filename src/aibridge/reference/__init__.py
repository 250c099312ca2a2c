"""aibridge.reference."""
