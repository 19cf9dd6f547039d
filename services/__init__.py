"""Application services: each opens a unit of work, calls the domain (models/), stores, commits.

No Prefect here (an import-linter contract): the tasks (tasks/) and the entry points (api/,
dashboard/, cli/) call these; announcements reach Prefect through services.announce's listeners.
"""
