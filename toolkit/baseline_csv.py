"""Read and check a baseline CSV file (pure Python: no database).

Columns `element`, `month` (YYYY-MM) and `deployments` (any order, any case; others ignored).
Every bad row is reported with its line number (line 1 is the header) and every reason, so the
whole file can be fixed in one go; `services.baseline.baseline_import` applies it only when no
row is bad.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from training.csv_import import RosterFileError as BaselineFileError
from training.csv_import import RowProblem, data_rows, decode

__all__ = [
    "BaselineFileError",
    "BaselineRow",
    "ParsedBaseline",
    "RowProblem",
    "parse_baseline",
    "parse_month",
]

COLUMNS = ("element", "month", "deployments")
MAX_ROWS = 5000
MAX_DEPLOYMENTS = 1_000_000
MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class BaselineRow:
    line: int
    element_id: int
    month: dt.date
    deployments: int


@dataclass
class ParsedBaseline:
    rows: list[BaselineRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)


def parse_month(value: str, *, latest: dt.date) -> tuple[dt.date | None, str]:
    """A month written YYYY-MM, not after `latest`'s month: (first day, "") or (None, reason)."""
    match = MONTH_RE.match(value.strip())
    if not match or not 1 <= int(match[2]) <= 12 or int(match[1]) < 1900:
        return None, f"month \u201c{value[:20]}\u201d is not a month written like 2023-04"
    month = dt.date(int(match[1]), int(match[2]), 1)
    if month > latest.replace(day=1):
        return None, f"month {value} is in the future"
    return month, ""


def parse_deployments(value: str) -> tuple[int | None, str]:
    text = value.strip().replace(",", "")
    if not text.isdigit() or not text.isascii():
        return None, f"deployments \u201c{value[:20]}\u201d is not a whole number"
    if len(text) > 7 or int(text) > MAX_DEPLOYMENTS:
        return None, f"deployments must be {MAX_DEPLOYMENTS:,} or fewer"
    return int(text), ""


def parse_baseline(data: bytes, *, elements: Mapping[str, int], today: dt.date) -> ParsedBaseline:
    """Check every row; `elements` maps each element's slug and title (lower case) to its id."""
    reader = csv.reader(io.StringIO(decode(data), newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except csv.Error as error:
        raise BaselineFileError(f"The file is not a readable CSV file (line 1: {error}).") from None
    except StopIteration:
        raise BaselineFileError("The file is empty.") from None
    parsed = ParsedBaseline()
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        parsed.problems.append(
            RowProblem(1, f"the header is missing {', '.join(missing)} (expected {', '.join(COLUMNS)})")
        )
        return parsed
    index = {name: header.index(name) for name in COLUMNS}
    shortest: dict[int, str] = {}
    for name, pk in elements.items():
        if pk not in shortest or len(name) < len(shortest[pk]):
            shortest[pk] = name
    expected = ", ".join(sorted(shortest.values()))
    seen: dict[tuple[int, dt.date], int] = {}
    for line, cells in data_rows(reader, parsed.problems):
        if len(parsed.rows) + len(parsed.problems) >= MAX_ROWS:
            parsed.problems.append(RowProblem(line, f"the file has more than {MAX_ROWS:,} rows"))
            break
        values = {name: cells[i].strip() if i < len(cells) else "" for name, i in index.items()}
        reasons = []
        element_id = elements.get(values["element"].lower())
        if element_id is None:
            reasons.append(f"element \u201c{values['element'][:40]}\u201d is not one of {expected}")
        month, why = parse_month(values["month"], latest=today)
        if why:
            reasons.append(why)
        deployments, why = parse_deployments(values["deployments"])
        if why:
            reasons.append(why)
        if element_id is not None and month is not None:
            if (element_id, month) in seen:
                reasons.append(
                    f"{values['element']} {values['month']} is also on line {seen[element_id, month]}"
                )
            else:
                seen[element_id, month] = line
        if reasons or element_id is None or month is None or deployments is None:
            parsed.problems.append(RowProblem(line, "; ".join(reasons)))
            continue
        parsed.rows.append(BaselineRow(line, element_id, month, deployments))
    if not parsed.rows and not parsed.problems:
        raise BaselineFileError("The file has a header row but no figures.")
    return parsed
