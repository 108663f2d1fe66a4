"""Models for traceability (batches, events, labels, scans)."""
