"""aibridge.frameworks."""
