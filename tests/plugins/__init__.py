"""Test plugins, kept as real modules (registered per test, never installed)."""
