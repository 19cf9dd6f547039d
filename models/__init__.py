"""The domain of People's Mediation, in plain Python: no Prefect, no SQL, no I/O."""
