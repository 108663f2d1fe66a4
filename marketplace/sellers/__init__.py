"""Sellers (cooperatives): applying, verification, bulk onboarding by the commune."""
