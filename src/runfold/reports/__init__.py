"""Reports: a project's write-ups that mix prose with live panels (issue 8).

``blocks``       what a report's blocks hold, checked for the server and ``runfold.Api``
``panels``       the numbers behind each panel (charts as plotted, runs tables, groups)
``html_export``  one self-contained HTML file (charts drawn offline with uPlot)
``md_export``    Markdown with each chart as a PNG file beside it (drawn by ``png``)
"""

from __future__ import annotations

from .blocks import BLOCK_TYPES, CHART_DEFAULTS, validate_blocks

__all__ = ["BLOCK_TYPES", "CHART_DEFAULTS", "validate_blocks"]
