"""The `fengqiao` command: Typer; domain errors become exit codes here and nowhere else."""
