"""Build, packaging and demo scripts (importable by the tests)."""
