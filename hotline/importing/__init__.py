"""Bringing the utility's existing records into hotline."""
