"""The HTTP API (FastAPI): intake per channel, cases, network, webhooks; errors become JSON only here."""
