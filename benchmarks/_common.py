"""What every benchmark records about its run: the command, the time and the machine."""

from __future__ import annotations

import os
import platform
import shlex
import sys
from datetime import datetime, timezone


def command_line() -> str:
    """The command that ran this benchmark, quoted so that it can be pasted into a shell."""
    return " ".join(shlex.quote(part) for part in ["python", *sys.argv])


def utc_timestamp() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def load_average() -> float | None:
    """The 1-minute load average; taken before the run's own work, it shows competing load."""
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else None


def machine(*, threads: int | None = None, load_average_at_start: float | None = None) -> dict:
    """The platform, the processor, the core count, and the run's threads and starting load."""
    return {
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": load_average_at_start,
        "threads": threads,
    }
