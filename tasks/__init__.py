"""What Prefect runs as tasks: one module per stage, each a thin call into services/.

Importing this package connects Prefect's event stream to the services' announcements (tasks.monitor).
"""

from fengqiao.tasks import monitor as monitor
