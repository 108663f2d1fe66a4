"""Regression tests for the security sweep: each names the attack it stops."""
