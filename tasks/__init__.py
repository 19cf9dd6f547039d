"""Prefect tasks, one module per stage: open a unit of work, call the domain, commit, announce."""
