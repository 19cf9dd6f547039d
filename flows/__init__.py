"""Prefect flows: orchestration only. The case flow, starting and waking runs, the worker, the demo."""
