"""The UI's page with its modules named up front (``<link rel="modulepreload">``).

The UI is ES modules with no build step: a browser finds a module's imports only
once it has fetched and parsed it, so the workspace's 75 modules arrived level by
level, about 1.3 s on an empty cache before its first API request (issue 20). The
page served for an address now lists every module its page needs (the page's
module and everything it imports, read from the files' static ``import`` and
``export … from`` lines), and the browser fetches them all at once.
"""

from __future__ import annotations

import functools
import re
from pathlib import Path, PurePosixPath

__all__ = ["page_html", "PAGE_MODULES"]

# The module of each page (``app.js``'s PAGES), by its address pattern.
PAGE_MODULES = {
    "/": "pages/projects.js",
    "/projects/{project}": "pages/project.js",
    "/projects/{project}/groups/{group:path}": "pages/group.js",
    "/projects/{project}/runs/{run_id}": "pages/run.js",
    "/projects/{project}/compare": "pages/compare.js",
    "/projects/{project}/reports": "pages/reports.js",
    "/projects/{project}/reports/{report_id}": "pages/report.js",
    "/projects/{project}/sweeps": "pages/sweeps.js",
    "/projects/{project}/sweeps/{sweep_id}": "pages/sweep.js",
    "/projects/{project}/artifacts": "pages/artifacts.js",
    "/projects/{project}/artifacts/{name}": "pages/artifact.js",
}

# A static import or re-export: `import x from "./a.js"`, `import "./a.js"`,
# `export { y } from "../b.js"`, minified or over several lines. Not import().
_IMPORT = re.compile(
    r"""\b(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"'\n]+\.m?js)["']"""
)
_ANCHOR = '<script type="module" src="/static/app.js"></script>'


def _imports(web_dir: Path, module: str) -> list[str]:
    """The modules ``module`` (a path under ``web_dir``) imports statically."""
    try:
        text = (web_dir / module).read_text(encoding="utf-8")
    except OSError:
        return []
    found = []
    for spec in _IMPORT.findall(text):
        if not spec.startswith("."):
            continue  # a bare name or a URL: not one of ours
        target = PurePosixPath(module).parent / spec
        parts: list[str] = []
        for part in target.parts:
            if part == "..":
                if parts:
                    parts.pop()
            elif part != ".":
                parts.append(part)
        path = "/".join(parts)
        if (web_dir / path).is_file():
            found.append(path)
    return found


def _closure(web_dir: Path, roots: list[str]) -> list[str]:
    """``roots`` and every module they import, directly or not, in the order found."""
    seen: dict[str, None] = {}
    todo = list(roots)
    while todo:
        module = todo.pop(0)
        if module in seen:
            continue
        seen[module] = None
        todo.extend(_imports(web_dir, module))
    return list(seen)


@functools.lru_cache(maxsize=32)
def page_html(web_dir: Path, page_module: str) -> str:
    """``index.html`` with a modulepreload link for each module the page needs.
    Kept per page: the files change only when Runfold is installed again."""
    html = (web_dir / "index.html").read_text(encoding="utf-8")
    modules = _closure(web_dir, ["app.js", page_module])
    links = "".join(f'<link rel="modulepreload" href="/static/{m}">\n' for m in modules)
    return html.replace(_ANCHOR, links + _ANCHOR, 1)
