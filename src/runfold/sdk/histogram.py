"""``runfold.Histogram``: a distribution logged like a value, stored as bins + counts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import UsageError

__all__ = ["Histogram", "MAX_BINS"]

MAX_BINS = 512


class Histogram:
    """``Histogram(sequence, num_bins=64)`` or ``Histogram(np_histogram=(counts, edges))``.

    Non-finite values in ``sequence`` are left out (NumPy cannot bin them); the
    count of those left out is kept as ``dropped``.
    """

    def __init__(
        self,
        sequence: Sequence[float] | Any = None,
        np_histogram: tuple[Any, Any] | None = None,
        num_bins: int = 64,
    ) -> None:
        import numpy as np

        if np_histogram is not None:
            counts, edges = (np.asarray(a, dtype=np.float64) for a in np_histogram)
            if counts.ndim != 1 or edges.shape != (len(counts) + 1,):
                raise UsageError(
                    "Histogram(np_histogram=...) takes (counts, edges) as np.histogram "
                    f"returns them, with len(edges) == len(counts) + 1; got "
                    f"{counts.shape} and {edges.shape}."
                )
            self.dropped = 0
        elif sequence is not None:
            if not 1 <= int(num_bins) <= MAX_BINS:
                raise UsageError(
                    f"Histogram num_bins={num_bins!r} must be 1 to {MAX_BINS}."
                )
            values = np.asarray(_to_numpy(sequence), dtype=np.float64).ravel()
            finite = values[np.isfinite(values)]
            self.dropped = int(len(values) - len(finite))
            counts, edges = np.histogram(finite, bins=int(num_bins))
        else:
            raise UsageError(
                "Histogram needs a sequence or np_histogram=(counts, edges)."
            )
        self.counts: list[float] = counts.astype(np.float64).tolist()
        self.bins: list[float] = edges.astype(np.float64).tolist()

    def to_record(self) -> dict[str, Any]:
        return {"bins": self.bins, "counts": self.counts, "dropped": self.dropped}

    def __repr__(self) -> str:
        return f"Histogram({len(self.counts)} bins, {sum(self.counts):g} values)"


def _to_numpy(value: Any) -> Any:
    """Tensors (torch, on any device) become arrays; anything else passes."""
    detach = getattr(value, "detach", None)
    if callable(detach):
        return detach().cpu().numpy()
    return value
