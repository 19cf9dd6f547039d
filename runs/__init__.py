"""Case flow runs in Prefect: the deployments, the worker that executes runs, starting and waking
a case's run, and the sweep. Below flows/ (a flow may wake a case), above tasks/."""
