"""Helpers shared by the check areas (parsing, outcomes, JVM options, PAM limits, zones)."""
