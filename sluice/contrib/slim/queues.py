"""slim.queues: QueueRunners(session), a context manager running the graph's queue runners for the
body of a `with` block (started with a Coordinator on entry; asked to stop and joined on exit)."""
import contextlib

from sluice.queues.queue_runner import start_queue_runners
from sluice.queues.coordinator import Coordinator


@contextlib.contextmanager
def QueueRunners(session):  # noqa: N802 - TF's name
    coord = Coordinator()
    threads = start_queue_runners(session, coord=coord)
    try:
        yield
    finally:
        coord.request_stop()
        coord.join(threads)
