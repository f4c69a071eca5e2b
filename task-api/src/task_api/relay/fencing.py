"""Taking the slot over from a previous leader: its walsender may hold the slot for a while
after its client is gone; the new leader waits a little, then fences it off by terminating it
(same role, so no extra privilege is needed)."""

import logging
import time
from collections.abc import Callable

import psycopg2.errors
from psycopg2.extras import ReplicationCursor

log = logging.getLogger(__name__)

FENCE_AFTER = 2.0  # seconds to let a previous leader's walsender exit before terminating it
TAKEOVER_TIMEOUT = 30.0


def start_replication(
    cursor: ReplicationCursor,
    slot: str,
    publication: str,
    holder: Callable[[], int | None],
    terminate: Callable[[int], None],
) -> None:
    """Start streaming `slot`; while another walsender (`holder()`, its pid) holds it, wait,
    and after FENCE_AFTER terminate it once."""
    began = time.monotonic()
    fenced = False
    while True:
        try:
            cursor.start_replication(
                slot_name=slot,
                decode=False,
                options={"proto_version": "1", "publication_names": publication},
            )
            return
        except psycopg2.errors.ObjectInUse:
            # The previous leader's walsender has not noticed its client is gone yet.
            waited = time.monotonic() - began
            if waited > TAKEOVER_TIMEOUT:
                raise
            pid = holder()
            if not fenced and waited > FENCE_AFTER and pid:
                log.warning(
                    "terminating the previous leader's walsender", extra={"slot": slot, "pid": pid}
                )
                terminate(pid)
                fenced = True
            time.sleep(0.05)
