"""Read and check an HR roster CSV file. Pure Python: no Django, no database.

The file has a header row naming at least the columns staff_number, full_name, site, role and
team (any order, any case; other columns are ignored). Every data row is checked and each bad
row is reported with its line number (line 1 is the header) and every reason it is bad, so a
trainer can fix the whole file in one go. `services.staff_import` applies the good rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

REQUIRED_COLUMNS = ("staff_number", "full_name", "site", "role", "team")
MAX_LENGTHS = {"staff_number": 20, "full_name": 150, "role": 60, "team": 60}
LABELS = {
    "staff_number": "staff number",
    "full_name": "full name",
    "site": "site",
    "role": "role",
    "team": "team",
}
# The same rule as a sign-in account's staff number, so roster entries and accounts can be linked.
STAFF_NUMBER_RE = re.compile(r"^[A-Za-z0-9._-]+$")


class RosterFileError(Exception):
    """The file as a whole cannot be read (not text, not CSV, empty): no row was checked."""


@dataclass(frozen=True)
class SiteChoice:
    id: int
    slug: str
    name: str


@dataclass(frozen=True)
class RosterRow:
    line: int
    staff_number: str
    full_name: str
    site_id: int
    role: str
    team: str


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class ParsedRoster:
    rows: list[RosterRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    # every staff number in the file, bad rows included: "deactivate whoever is not in the file"
    # must not deactivate someone whose row merely has a mistake in it
    seen_numbers: set[str] = field(default_factory=set)


def decode(data: bytes) -> str:
    """The file's text: UTF-8 (with or without a byte-order mark); anything else is refused."""
    if not data or not data.strip():
        raise RosterFileError("The file is empty.")
    if b"\x00" in data:
        raise RosterFileError("The file is not a CSV file: it contains binary data.")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise RosterFileError(
            f"The file is not UTF-8 text (line {line} has a character that cannot be read). "
            "Save it as \u201cCSV UTF-8\u201d and upload it again."
        ) from None


def data_rows(reader: Any, problems: list[RowProblem]) -> Iterator[tuple[int, list[str]]]:
    """Each non-blank data row of a CSV reader with its line number. A row the csv module cannot
    read is a problem on its line and ends the file (what follows it cannot be trusted)."""
    while True:
        line = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            problems.append(RowProblem(line, f"the row cannot be read as CSV ({error})"))
            return
        if any(cell.strip() for cell in cells):
            yield line, cells


def _normalise_header(cell: str) -> str:
    return re.sub(r"[\s-]+", "_", cell.strip().lower())


def _site_lookup(sites: Iterable[SiteChoice]) -> tuple[dict[str, int], str]:
    lookup: dict[str, int] = {}
    names = []
    for site in sites:
        lookup[site.slug.lower()] = site.id
        lookup[site.name.strip().lower()] = site.id
        names.append(site.name)
    names.sort()
    expected = ", ".join(names[:-1]) + (f" or {names[-1]}" if len(names) > 1 else "".join(names))
    return lookup, expected


def parse_roster(data: bytes, *, sites: Iterable[SiteChoice]) -> ParsedRoster:
    """Check every row of a roster file; return the good rows and a problem for each bad one.

    Raises RosterFileError when the file cannot be read at all. A bad header is a problem on
    line 1 (naming the missing columns) and stops the check there.
    """
    text = decode(data)
    site_ids, expected_sites = _site_lookup(sites)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except csv.Error as error:
        raise RosterFileError(f"The file is not a readable CSV file (line 1: {error}).") from None
    except StopIteration:
        raise RosterFileError("The file is empty.") from None

    columns = [_normalise_header(cell) for cell in header]
    parsed = ParsedRoster()
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    doubled = sorted({name for name in REQUIRED_COLUMNS if columns.count(name) > 1})
    if missing or doubled:
        reasons = []
        if missing:
            reasons.append(
                f"the header is missing the column{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
            )
        if doubled:
            reasons.append(
                f"the header repeats the column{'s' if len(doubled) > 1 else ''} {', '.join(doubled)}"
            )
        parsed.problems.append(
            RowProblem(1, "; ".join(reasons) + f" (expected {', '.join(REQUIRED_COLUMNS)})")
        )
        return parsed
    index = {name: columns.index(name) for name in REQUIRED_COLUMNS}

    first_seen: dict[str, int] = {}
    rows_read = 0
    for line, cells in data_rows(reader, parsed.problems):
        rows_read += 1
        values = {
            name: (cells[position].strip() if position < len(cells) else "")
            for name, position in index.items()
        }
        reasons = _check_row(values, site_ids, expected_sites)
        number = values["staff_number"]
        if number:
            parsed.seen_numbers.add(number)
        if number and number in first_seen:
            reasons.append(f"staff number {number} is also on line {first_seen[number]}")
        elif number:
            first_seen[number] = line
        if reasons:
            parsed.problems.append(RowProblem(line, "; ".join(reasons)))
            continue
        parsed.rows.append(
            RosterRow(
                line=line,
                staff_number=number,
                full_name=values["full_name"],
                site_id=site_ids[values["site"].lower()],
                role=values["role"],
                team=values["team"],
            )
        )
    if not rows_read and not parsed.problems:
        raise RosterFileError("The file has a header row but no staff.")
    return parsed


def _check_row(values: dict[str, str], site_ids: dict[str, int], expected_sites: str) -> list[str]:
    reasons: list[str] = []
    for name in ("staff_number", "full_name", "site", "role"):
        if not values[name]:
            reasons.append(f"{LABELS[name]} is missing")
    for name, limit in MAX_LENGTHS.items():
        if len(values[name]) > limit:
            reasons.append(f"{LABELS[name]} is longer than {limit} characters")
    number = values["staff_number"]
    if number and len(number) <= MAX_LENGTHS["staff_number"] and not STAFF_NUMBER_RE.match(number):
        reasons.append(
            f"staff number \u201c{number}\u201d may only contain letters, numbers, dots, dashes "
            "and underscores"
        )
    site = values["site"]
    if site and site.lower() not in site_ids:
        reasons.append(f"site \u201c{site[:60]}\u201d is not {expected_sites}")
    return reasons
