"""The store's logic in portable SQL, shared by the SQLite and PostgreSQL backends.

``SQLStore`` is composed of one part per concern, each over ``SQLBase``'s
transactions and SQL helpers (``sqlbase.py``): run writes (``writes.py``), run
reads (``reads.py``), media references (``media.py``), accounts
(``accounts.py``), reports (``reports.py``), sweeps (``sweeps.py``) and
artifacts (``artifacts.py``). A
backend supplies the connection and transactions (``_write``, ``_read``) and its
placeholder style; everything else lives in those parts once.
"""

from __future__ import annotations

from .accounts import AccountsMixin
from .artifacts import ArtifactsMixin
from .media import MediaMixin
from .reads import RunReadsMixin
from .reports import ReportsMixin
from .sweeps import SweepsMixin
from .views import ViewsMixin
from .writes import RunWritesMixin

__all__ = ["SQLStore"]


class SQLStore(
    RunWritesMixin, RunReadsMixin, MediaMixin, ReportsMixin, AccountsMixin, SweepsMixin,
    ArtifactsMixin, ViewsMixin,
):  # fmt: skip
    """The ``Store`` protocol (``base.py``) over a DB-API connection; a
    backend subclass adds the connection, the transactions and ``close``."""
