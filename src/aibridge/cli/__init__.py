"""aibridge.cli."""
