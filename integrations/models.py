"""Models for integrations (channels, jobs, webhooks)."""
