"""Messages to the person or CI running the deployment (`sluice:deploy/log`, always granted).

The host caps the bytes per call and per run, and redacts secret values.
"""

from wit_world.imports import log
from wit_world.imports.log import Level


def write(level: Level, message: str) -> None:
    """Writes one message at `level`, attributed to the calling unit."""
    log.write(level, message)


def trace(message: str) -> None:
    """Fine detail, shown with `-vv`."""
    log.write(Level.TRACE, message)


def debug(message: str) -> None:
    """Detail, shown with `-v`."""
    log.write(Level.DEBUG, message)


def info(message: str) -> None:
    """Normal progress."""
    log.write(Level.INFO, message)


def warn(message: str) -> None:
    """Something the user should look at; the deployment goes on."""
    log.write(Level.WARN, message)


def error(message: str) -> None:
    """Something failed; usually followed by an error result."""
    log.write(Level.ERROR, message)


def progress(done: int, total: int, message: str) -> None:
    """Progress of a long step, e.g. `progress(120, 2000, "uploading")`."""
    log.progress(done, total, message)
