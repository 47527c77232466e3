"""The read path: which runs (``filters``), folded how (``grouping``, ``groups``),
grouped series (``series``, ``aggregate``) asked as one ``SeriesQuery``, and the
one cache (``cache``) behind ``Reader``. It imports the store and the domain
model below it, never the server, the CLI or the SDK."""

from .cache import ReadCache, points_key, rows_key
from .groups import Group, groups_of, ordered
from .reader import Reader, only_fields
from .spec import ARRAY_FIELDS, MAX_BUCKETS, SeriesQuery

__all__ = [
    "ARRAY_FIELDS", "MAX_BUCKETS", "Group", "ReadCache", "Reader", "SeriesQuery",
    "groups_of", "only_fields", "ordered", "points_key", "rows_key",
]  # fmt: skip
