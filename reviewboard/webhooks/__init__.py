"""Webhooks: chairs subscribe a URL to events; deliveries are signed (Standard Webhooks) and go through the
job queue with retries and a delivery log (reviewboard.jobs)."""
