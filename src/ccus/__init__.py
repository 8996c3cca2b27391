"""CCUS-style registry back office."""
