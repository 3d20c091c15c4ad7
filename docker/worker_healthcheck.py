"""Health check of a scoring worker container (docker-compose.yml runs it every 30 s).

Healthy means both:
- the sandbox works in this container: bubblewrap starts the interpreter inside fresh namespaces.
  Checked once per container (a marker in DABIWU_HOME remembers it), because a container whose security
  options are wrong can take jobs but never score one, and its reason belongs in `docker inspect`;
- this container's worker is alive: its heartbeat row (id `celery:<hostname>:<pid>`, renewed every
  5 s by the worker) is fresh.  Inside a container the hostname is the container's own.

Exit 0 when healthy; otherwise exit 1 and print the reason and how to fix it.
"""

from __future__ import annotations

import socket
import sys
from datetime import timedelta, timezone

STALE_AFTER = timedelta(seconds=60)
SANDBOX_MARKER = ".sandbox-ok"  # in DABIWU_HOME, which is the container's own


def sandbox_problem() -> str | None:
    from dabiwu.settings import get_settings

    settings = get_settings()
    marker = settings.home_dir / SANDBOX_MARKER
    if marker.exists():
        return None
    from dabiwu.sandbox import SandboxError, detect_sandbox

    preference = settings.sandbox
    try:
        kind = detect_sandbox(preference)
    except SandboxError as exc:
        return (f"{exc.message} In a container, the worker needs the security options set in docker-compose.yml "
                "(docs/operator.md, 'The sandbox in containers').")
    if preference == "auto" and kind != "bwrap":
        return (f"bubblewrap does not work in this container, so models would run in the weaker '{kind}' sandbox. "
                "Give the worker the security options set in docker-compose.yml (docs/operator.md, "
                "'The sandbox in containers'), or set DABIWU_SANDBOX=unshare to accept it.")
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(kind)
    return None


def heartbeat_problem() -> str | None:
    from sqlalchemy import func, select

    from dabiwu.db.base import utcnow
    from dabiwu.db.models import WorkerHeartbeat
    from dabiwu.db.session import session_scope
    from dabiwu.settings import get_settings

    prefix = f"celery:{socket.gethostname()}:"
    with session_scope(get_settings().resolved_database_url) as session:
        latest = session.scalar(
            select(func.max(WorkerHeartbeat.heartbeat_at)).where(WorkerHeartbeat.id.startswith(prefix))
        )
    if latest is None:
        return f"no heartbeat from a worker on {socket.gethostname()} yet; see `docker compose logs worker`."
    if latest.tzinfo is None:  # stored without a zone, always in UTC
        latest = latest.replace(tzinfo=timezone.utc)
    age = utcnow() - latest
    if age > STALE_AFTER:
        return (f"the worker's last heartbeat is {int(age.total_seconds())} s old; it is stuck or cannot reach the "
                "database. See `docker compose logs worker`.")
    return None


def main() -> int:
    for check in (sandbox_problem, heartbeat_problem):
        try:
            problem = check()
        except Exception as exc:  # a health check reports; it never raises
            problem = f"{check.__name__} could not run: {exc.__class__.__name__}: {exc}"
        if problem:
            print(f"unhealthy: {problem}")
            return 1
    print("healthy")
    return 0


if __name__ == "__main__":
    sys.exit(main())
