"""Channel adapters: each channel's own record → the one intake record (models.case.NewCase)."""
