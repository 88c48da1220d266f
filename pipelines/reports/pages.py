"""What every report page is built from: HTML tables and the page style, and the PDF's text,
tables and charts (fpdf2, core fonts: text outside Latin-1 is shown with '?')."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Callable

import duckdb

from ..core.storage import write_bytes_atomic
from .charts import pdf_line_chart

class ReportError(Exception):
    pass


def open_marts(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse, read-only; a report of nothing is an error that says what to do."""
    if not warehouse.exists():
        raise ReportError(f"no warehouse at {warehouse}: run the pipeline first")
    return duckdb.connect(str(warehouse), read_only=True)


STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 0.5em 0 1em; }
th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: left; font-size: 13px; }
th { background: #f3f3f3; }
dl.figures { display: grid; grid-template-columns: 10em auto; gap: 2px 1em; }
dt { font-weight: 600; }
section.contract, section.slo { border-top: 2px solid #ddd; margin-top: 2em; }
.empty { color: #666; }
.source { border: 1px solid #999; padding: 6px; }
"""


def html_page(title: str, generated_at: str, intro: str, body: str) -> bytes:
    """A whole self-contained report page: `intro` (HTML) under the title and the generation line."""
    e = html.escape
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{e(title)}</title>
<style>{STYLE}</style></head>
<body>
<h1>{e(title)}</h1>
<p>Generated {e(generated_at)} from the SLM Warehouse marts. {intro}</p>
{body}
</body></html>
""".encode()


def html_table(headers: list[str], rows: list[list], cls: str) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in r) + "</tr>" for r in rows)
    return f'<table class="{cls}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def latin1(s: str) -> str:
    return s.encode("latin-1", "replace").decode("latin-1")


class Pdf:
    """An A4 portrait document with the few things the reports write."""

    def __init__(self, title: str, footer: str | None = None):
        from fpdf import FPDF  # only the PDF needs it

        line = latin1(footer) if footer else None

        class Document(FPDF):
            def footer(self) -> None:
                """`footer` (where the figures come from) and the page number, on every page."""
                self.set_y(-16)
                self.set_font("Helvetica", "I", 7)
                if line:
                    self.multi_cell(0, 3.2, line, align="L", new_x="LMARGIN", new_y="NEXT")
                self.cell(0, 3.2, f"page {self.page_no()}", align="R")

        self.pdf = Document(orientation="P", unit="mm", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=20 if footer else 15)
        self.pdf.set_title(title)

    def page(self) -> None:
        self.pdf.add_page()

    def opening(self, title: str, generated_at: str, summary: str) -> None:
        """The first page's head: the title, when it was generated, and the one-line summary."""
        self.page()
        self.text(title, 18, "B", 10)
        self.text(f"Generated {generated_at} from the SLM Warehouse marts.", 9)
        self.text(summary, 11, "B")

    def text(self, s: str, size: int = 10, style: str = "", h: float = 6) -> None:
        self.pdf.set_font("Helvetica", style, size)
        self.pdf.multi_cell(0, h, latin1(s), new_x="LMARGIN", new_y="NEXT")

    def table(self, headers: list[str], rows: list[list], widths: list[float], header: bool = True) -> None:
        """A table whose cells wrap within their column (a long reason never runs into the next);
        a row that does not fit on the page starts the next one, under the header repeated."""
        if header:
            self._row(headers, widths, "B")
        for r in rows:
            if not self._fits(r, widths) and header:
                self.pdf.add_page()
                self._row(headers, widths, "B")
            self._row(r, widths, "")

    LINE = 4.2          # a table line, mm
    CELL_CHARS = 600    # what a cell shows of a longer text

    def _lines(self, values: list, widths: list[float], style: str) -> list[list[str]]:
        self.pdf.set_font("Helvetica", style, 8)
        return [self.pdf.multi_cell(w - 2, self.LINE, latin1(str(v))[:self.CELL_CHARS], dry_run=True, output="LINES")
                for v, w in zip(values, widths)]

    def _fits(self, values: list, widths: list[float]) -> bool:
        height = max(len(c) for c in self._lines(values, widths, "")) * self.LINE + 1
        return self.pdf.get_y() + height <= self.pdf.page_break_trigger

    def _row(self, values: list, widths: list[float], style: str) -> None:
        pdf = self.pdf
        cells = self._lines(values, widths, style)
        height = max(len(c) for c in cells) * self.LINE + 1
        if pdf.get_y() + height > pdf.page_break_trigger:
            pdf.add_page()
        x, y = pdf.l_margin, pdf.get_y()
        pdf.set_font("Helvetica", style, 8)
        for lines, w in zip(cells, widths):
            pdf.rect(x, y, w, height)
            for i, text in enumerate(lines):
                pdf.set_xy(x + 1, y + 0.5 + i * self.LINE)
                pdf.cell(w - 2, self.LINE, text)
            x += w
        pdf.set_xy(pdf.l_margin, y + height)

    def chart(self, points: list[tuple], title: str, reference: float | None, markers=()) -> None:
        if self.pdf.get_y() + 60 > self.pdf.page_break_trigger:  # a chart is never cut by a page
            self.page()
        self.text(title, 9, "B")
        if not [v for _, v in points if v is not None]:
            self.text("no data in the period", 8)
            return
        pdf_line_chart(self.pdf, points, reference, markers)

    def output(self) -> bytes:
        return bytes(self.pdf.output())


def write_files(report, renderers: dict[str, Callable], stem: str, formats: list[str], out_dir: Path) -> list[Path]:
    """`out_dir/<stem>.<format>` for each format, each written atomically."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for fmt in formats:
        path = out_dir / f"{stem}.{fmt}"
        write_bytes_atomic(renderers[fmt](report), path)
        paths.append(path)
    return paths
