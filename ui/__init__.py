"""Interfaces: the command line, and later the API and dashboards. Thin by design."""
