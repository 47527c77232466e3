"""GET grouped series: the lines (and bands) of a page of charts in one request.

GET /api/v1/projects/{project}/series?metric=loss&metric=acc&by=group&buckets=1000
GET /api/v1/projects/{project}/series?metric=loss&ungrouped=true   # one line per run
GET /api/v1/projects/{project}/series?metric=loss&x_min=100&x_max=200  # a zoom
GET /api/v1/projects/{project}/series?metric=loss&fields=mean&fields=count  # lighter

Answers are gzip-compressed for a client that accepts it (``Accept-Encoding``).
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from ...errors import UsageError
from ...query import ARRAY_FIELDS, MAX_BUCKETS, SeriesQuery, rows_key
from ..compression import MINIMUM_SIZE, accepts_gzip, gzip_bytes, gzipped_json
from ..deps import AnswersDep, ApiDep
from ..schemas import (
    ByQuery,
    FiltersQuery,
    SeriesOut,
    encoded_json,
    json_response,
    parse_filters,
    reject_unknown_params,
)

router = APIRouter(tags=["series"], dependencies=[Depends(reject_unknown_params)])

# The arrays an entry can carry besides x (``fields=``); x_lo and x_hi equal x in
# exact mode, so with ``fields`` they come in buckets mode only.
Field = Literal[ARRAY_FIELDS]  # type: ignore[valid-type]
BY_AND_UNGROUPED = (
    "Give either by=... (lines per group) or ungrouped=true (one line per run), "
    "not both."
)


@router.get("/projects/{project}/series", response_model=SeriesOut)
def get_series(
    project: str,
    api: ApiDep,
    answers: AnswersDep,
    request: Request,
    metric: Annotated[
        list[str],
        Query(min_length=1, description="Metric keys (repeat): one chart each."),
    ],
    by: ByQuery = None,
    ungrouped: Annotated[
        bool, Query(description="One line per run (key = [run id]) instead of groups.")
    ] = False,
    x: Annotated[
        str, Query(description="_step, _timestamp, _runtime or any logged metric.")
    ] = "_step",
    buckets: Annotated[int, Query(ge=1, le=MAX_BUCKETS)] = 1000,
    smoothing: Annotated[
        float | None,
        Query(ge=0, lt=1, description="EMA weight per run, before aggregation."),
    ] = None,
    filters: FiltersQuery = None,
    x_min: Annotated[
        float | None,
        Query(
            description="Zoom: only points with x >= x_min; buckets cover the range."
        ),
    ] = None,
    x_max: Annotated[
        float | None,
        Query(
            description="Zoom: only points with x <= x_max; buckets cover the range."
        ),
    ] = None,
    limit: Annotated[
        int | None,
        Query(
            ge=1,
            description="At most this many lines (groups, or runs when ungrouped) "
            "per metric, the first in order; `total` says how many there are.",
        ),
    ] = None,
    fields: Annotated[
        list[Field] | None,
        Query(
            description="Only these arrays besides x (repeat), e.g. the ones a chart "
            "draws: fields=mean&fields=min&fields=max&fields=count. x_lo and x_hi "
            "equal x in exact mode and then are left out. Absent: all of them."
        ),
    ] = None,
) -> Response:
    """``{"series": {metric: entries}, "total": n, "by": [...], "x": ...}``: per metric, the
    entries ``runfold.Api.group_series`` returns, one per group: key (a list), name,
    runs, run_ids, running (how many of its runs are running), mode ('exact' or 'buckets'), and lists of equal length x, x_lo, x_hi,
    mean, median, min, max, std (ddof=1), stderr and count (runs behind each
    point).

    Grouping: ``by`` absent groups by ``group``; ``ungrouped=true`` draws one line
    per run. The runs are listed, filtered and grouped once for all metrics.

    Zoom: ``x_min``/``x_max`` keep only the points in that x range, and the
    ``buckets`` buckets cover just it (finer points; exact ones once they fit)."""
    if by and ungrouped:
        raise UsageError(BY_AND_UNGROUPED)
    query = SeriesQuery(
        tuple(metric), () if ungrouped else tuple(by or ("group",)), x=x,
        buckets=buckets, smoothing=smoothing, x_min=x_min, x_max=x_max, limit=limit,
        fields=None if fields is None else tuple(fields),
    )  # fmt: skip
    rows = api.run_rows(project, parse_filters(filters))

    def body() -> bytes:
        page = api.reader.series(rows, query)
        return bytes(json_response({**page, "by": list(query.by), "x": x}).body)

    # The encoded page, kept while its runs are unchanged: a page asked again (each
    # load, each regrouping, each poll of finished runs) is sent as it was, and so
    # is its gzip form (server/compression.py), compressed once.
    runs = rows_key(rows)
    plain = answers.get(("series", query), runs, body, size=len)
    if len(plain) < MINIMUM_SIZE or not accepts_gzip(request.scope):
        return encoded_json(plain)
    packed = answers.get(
        ("series.gz", query), runs, lambda: gzip_bytes(plain), size=len
    )
    return gzipped_json(packed)
