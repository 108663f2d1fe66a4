"""Sellers (cooperatives): onboarding, verification and the bank account their money goes to."""
