"""aibridge.analysis."""
