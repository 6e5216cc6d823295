"""Building blocks of the HTML report: the page, its style, figures, tables, notes.

Every piece returns a string of HTML. Text from the report (titles, file names, evidence) is
always escaped here; pictures are embedded as ``data:`` URIs. The page carries a
Content-Security-Policy that allows nothing but those pictures and its own style: it loads
nothing from the network and runs no script (it has none).

>>> "&lt;b&gt;" in note("<b>")
True
"""

from __future__ import annotations

import html
import struct
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from unetdiag import __version__
from unetdiag.report.pictures import data_uri
from unetdiag.report.values import (
    VERBOSE_LIMITS,
    as_plain_python,
    format_value,
    summary_columns,
    summary_rows,
)

#: Only embedded pictures and the page's own style: no network, no script.
CONTENT_SECURITY_POLICY = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"

STYLE = """
:root { --error: #c62828; --warning: #ef6c00; --info: #1565c0; --calm: #2e7d32;
        --muted: #5f6368; --line: #dadce0; --panel: #f8f9fa; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif;
       color: #202124; background: #fff; margin: 0 auto; padding: 1.5rem 2rem 4rem;
       max-width: 1240px; line-height: 1.45; }
h1 { font-size: 1.5rem; margin: 0 0 .25rem; }
h2 { font-size: 1.25rem; margin: 2.2rem 0 .6rem; padding-bottom: .25rem;
     border-bottom: 1px solid var(--line); }
h3 { font-size: 1.05rem; margin: 1.4rem 0 .4rem; }
code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .92em; }
.subtitle, .note, .sources, .caption { color: var(--muted); }
.note { font-size: .92rem; }
.headline { border-left: 6px solid var(--calm); background: var(--panel);
            padding: .8rem 1rem; margin: 1rem 0; font-size: 1.02rem; }
.headline.error { border-color: var(--error); } .headline.warning { border-color: var(--warning); }
.headline.info { border-color: var(--info); }
.badge { display: inline-block; min-width: 4.6em; text-align: center; font-size: .75rem;
         font-weight: 700; color: #fff; border-radius: 3px; padding: 1px 6px; margin-right: .4rem; }
.badge.error { background: var(--error); } .badge.warning { background: var(--warning); }
.badge.info { background: var(--info); }
.count.error { color: var(--error); } .count.warning { color: var(--warning); }
.count.info { color: var(--info); }
figure { margin: .6rem 0 1rem; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--line); }
figcaption { color: var(--muted); font-size: .88rem; margin-top: .2rem; }
.gallery { display: flex; flex-wrap: wrap; gap: .8rem; align-items: flex-start; }
.gallery figure { margin: 0; display: table; }
.gallery figure img { max-width: none; }
.gallery figcaption { display: table-caption; caption-side: bottom; }
table { border-collapse: collapse; margin: .4rem 0 1rem; font-size: .9rem; }
th, td { border-bottom: 1px solid var(--line); padding: .25rem .6rem; text-align: left;
         vertical-align: top; }
th { background: var(--panel); }
caption { text-align: left; padding: .2rem 0; }
td.number { text-align: right; font-variant-numeric: tabular-nums; }
details.finding { border: 1px solid var(--line); border-left: 5px solid var(--info);
                  border-radius: 4px; margin: .5rem 0; padding: .4rem .8rem; }
details.finding.error { border-left-color: var(--error); }
details.finding.warning { border-left-color: var(--warning); }
details.finding summary { cursor: pointer; }
.detail { margin: .6rem 0 .2rem; }
.fix { background: #e8f5e9; padding: .4rem .6rem; border-radius: 3px; }
ul.markers { margin: .2rem 0 1rem; font-size: .9rem; }
"""


def escape(text: Any) -> str:
    """Any value as escaped HTML text."""
    return html.escape(str(text), quote=True)


def document(title: str, parts: Iterable[str]) -> str:
    """The whole page around ``parts``."""
    body = "\n".join(parts)
    return (
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
        f"<meta http-equiv=\"Content-Security-Policy\" content=\"{CONTENT_SECURITY_POLICY}\">\n"
        f"<meta name=\"generator\" content=\"unetdiag {escape(__version__)}\">\n"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        f"<title>{escape(title)}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
        f"{body}\n</body>\n</html>\n")


def section(title: str, parts: Iterable[str], anchor: str = "", level: int = 2) -> str:
    """A titled section; ``anchor`` becomes its id."""
    identifier = f" id=\"{escape(anchor)}\"" if anchor else ""
    body = "\n".join(parts)
    return f"<section{identifier}>\n<h{level}>{escape(title)}</h{level}>\n{body}\n</section>"


def note(text: str) -> str:
    return f"<p class=\"note\">{escape(text)}</p>"


def paragraph(text: str, css_class: str = "") -> str:
    attribute = f" class=\"{css_class}\"" if css_class else ""
    return f"<p{attribute}>{escape(text)}</p>"


def png_size(png: bytes) -> tuple[int, int]:
    """``(width, height)`` from a PNG's header (the first chunk, IHDR)."""
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def figure(png: bytes, alt: str, caption: str = "", caption_html: str = "") -> str:
    """An embedded PNG with its text alternative and a caption (plain or HTML)."""
    width, height = png_size(png)
    caption_html = caption_html or escape(caption)
    caption_part = f"<figcaption>{caption_html}</figcaption>" if caption_html else ""
    return (f"<figure><img src=\"{data_uri(png)}\" alt=\"{escape(alt)}\" width=\"{width}\" "
            f"height=\"{height}\">{caption_part}</figure>")


def gallery(figures: Sequence[str]) -> str:
    return "<div class=\"gallery\">\n" + "\n".join(figures) + "\n</div>"


def _cell(value: Any, align_numbers: bool = True) -> str:
    plain = as_plain_python(value)
    numeric = isinstance(plain, (int, float)) and not isinstance(plain, bool)
    css = " class=\"number\"" if numeric and align_numbers else ""
    return f"<td{css}>{escape(format_value(value, VERBOSE_LIMITS))}</td>"


def table(rows: Any, caption: str = "") -> str:
    """Rows ``[{"column": value}, ...]`` as a table, columns in order of first use; any other
    shape (a dict, a scalar, rows that are not dicts) is shown as a ``value`` column."""
    rows = summary_rows(rows)
    if not rows:
        return note(f"{caption}: no rows") if caption else ""
    columns = summary_columns(rows)
    head = "".join(f"<th>{escape(column)}</th>" for column in columns)
    body = []
    for row in rows:
        by_name = {str(key): value for key, value in row.items()}
        body.append("<tr>" + "".join(_cell(by_name[c]) if c in by_name else "<td></td>"
                                     for c in columns) + "</tr>")
    caption_part = f"<caption><b>{escape(caption)}</b></caption>" if caption else ""
    return (f"<table>{caption_part}<thead><tr>{head}</tr></thead><tbody>"
            + "".join(body) + "</tbody></table>")


def key_value_table(items: Mapping[str, Any]) -> str:
    """A two-column table: key, value (evidence, context)."""
    rows = "".join(f"<tr><th>{escape(key)}</th>{_cell(value, align_numbers=False)}</tr>"
                   for key, value in items.items())
    return f"<table><tbody>{rows}</tbody></table>"


def bullet_list(items: Iterable[str], css_class: str = "") -> str:
    """Items (already HTML) as a list."""
    attribute = f" class=\"{css_class}\"" if css_class else ""
    return f"<ul{attribute}>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>"
