"""Where a chart puts an annotation: by the day it belongs to, between evenly spaced daily points."""

import datetime as dt
import re
import shutil
import subprocess

import pytest

from pipelines.reports.charts import day_fraction
from pipelines.reports.pages import Pdf

D, T = dt.date, dt.datetime
SPARSE = [D(2026, 7, 15), D(2026, 8, 15), D(2026, 9, 15)]  # three points: at 0, 0.5 and 1


@pytest.mark.parametrize("when, expected", [
    (D(2026, 8, 15), 0.5),                          # on a point's day, at its start
    (T(2026, 7, 15, 12), (0 + 0.5 / 31) / 2),       # 12 h into the 31 days to the next point
    (T(2026, 8, 30, 0), (1 + 15 / 31) / 2),         # 15 of the 31 days after 08-15
    (T(2026, 9, 15, 23), 1.0),                      # the last day: clamped at its point
    (D(2026, 7, 14), None),                         # before the first day
    (D(2026, 9, 17), None),                         # after the last day's end
])
def test_a_marker_sits_by_its_day(when, expected):
    got = day_fraction(SPARSE, when)
    assert got == (None if expected is None else pytest.approx(expected))


def test_one_day_puts_every_marker_on_its_point():
    assert day_fraction([D(2026, 10, 1)], T(2026, 10, 1, 2)) == 0.5 and day_fraction([], D(2026, 10, 1)) is None


def _words(pdf_bytes: bytes, tmp_path) -> dict[str, tuple[float, float]]:
    """Each word of the PDF -> (its left edge, its centre), in points, from pdftotext -bbox."""
    path = tmp_path / "chart.pdf"
    path.write_bytes(pdf_bytes)
    out = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True, check=True).stdout
    found = re.findall(r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" yMax="[\d.]+">([^<]+)</word>', out)
    return {text: (float(a), (float(a) + float(b)) / 2) for a, b, text in found}


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext (poppler-utils) is not installed")
def test_a_pdf_chart_names_its_first_middle_and_last_day_and_has_a_legend(tmp_path):
    days = [D(2026, 10, 1) + dt.timedelta(days=i) for i in range(4)]
    doc = Pdf("chart")
    doc.page()
    doc.chart([(days[0], 0.999), (days[1], None), (days[2], 0.98), (days[3], 0.995)], "SLI", 0.99)
    words = _words(doc.output(), tmp_path)
    assert {"2026-10-01", "2026-10-03", "2026-10-04", "daily", "value", "target"} <= set(words)
    assert "2026-10-02" not in words  # only the first, the middle and the last day are named
    # the middle day (index 2 of 4) is centred under its place: two thirds of the 180 mm axis
    axis = 180 * 72 / 25.4
    assert words["2026-10-03"][1] == pytest.approx(words["2026-10-01"][0] + axis * 2 / 3, abs=1.0)
    two = Pdf("chart")
    two.page()
    two.chart([(days[0], 0.999), (days[1], 0.98)], "SLI", None)
    words = _words(two.output(), tmp_path)
    assert {"2026-10-01", "2026-10-02", "daily", "value"} <= set(words) and "target" not in words
