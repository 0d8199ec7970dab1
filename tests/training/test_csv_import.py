"""The roster file checker (pure Python): every bad row reported with its line number and reason."""

from __future__ import annotations

import pytest

from tests.training.factories import csv_bytes
from training.csv_import import RosterFileError, SiteChoice, parse_roster

SITES = [SiteChoice(1, "lambeth", "Lambeth"), SiteChoice(2, "hendon", "Hendon"), SiteChoice(3, "bow", "Bow")]


def parse(data: bytes):  # type: ignore[no-untyped-def]
    return parse_roster(data, sites=SITES)


def test_a_good_file_gives_every_row_with_its_line_and_site() -> None:
    parsed = parse(csv_bytes("1001,Ann Able,Lambeth,Call handler,Team 1", "1002,Bob Brown,bow,Dispatcher,"))
    assert parsed.problems == []
    assert [(r.line, r.staff_number, r.full_name, r.site_id, r.role, r.team) for r in parsed.rows] == [
        (2, "1001", "Ann Able", 1, "Call handler", "Team 1"),
        (3, "1002", "Bob Brown", 3, "Dispatcher", ""),
    ]


def test_columns_may_come_in_any_order_and_case_and_extra_columns_are_ignored() -> None:
    data = csv_bytes(
        "x,Lambeth,1001,Team 2,Ann Able,Call handler", header="Grade,SITE,Staff Number,Team,Full-Name,role"
    )
    parsed = parse(data)
    assert parsed.problems == []
    assert parsed.rows[0].staff_number == "1001"
    assert parsed.rows[0].full_name == "Ann Able"
    assert parsed.rows[0].team == "Team 2"


def test_a_byte_order_mark_windows_line_endings_and_blank_lines_are_fine() -> None:
    data = (
        "\ufeffstaff_number,full_name,site,role,team\r\n"
        "1001,Ann,Hendon,Call handler,T1\r\n"
        "\r\n"
        "1002,Bob,Bow,Dispatcher,T2\r\n"
    )
    parsed = parse(data.encode())
    assert parsed.problems == []
    assert [r.line for r in parsed.rows] == [2, 4]


def test_values_are_trimmed() -> None:
    parsed = parse(csv_bytes("  1001 ,  Ann Able ,  Lambeth , Call handler ,  "))
    row = parsed.rows[0]
    assert (row.staff_number, row.full_name, row.role, row.team) == ("1001", "Ann Able", "Call handler", "")


def test_every_bad_row_is_reported_by_line_with_each_reason() -> None:
    data = csv_bytes(
        "1001,Ann Able,Lambeth,Call handler,T1",  # line 2: good
        ",No Number,Lambeth,Call handler,T1",  # 3: missing staff number
        "1003,,Lambeth,Call handler,T1",  # 4: missing name
        "1004,Croydon Person,Croydon,Call handler,T1",  # 5: unknown site
        "1005,No Role,Bow,,T1",  # 6: missing role
        "1001,Ann Again,Bow,Call handler,T1",  # 7: duplicate of line 2
        f"1007,{'x' * 151},Bow,Call handler,T1",  # 8: name too long
        "10 08,Space Number,Bow,Call handler,T1",  # 9: bad characters
        f"{'9' * 21},Long Number,Bow,Call handler,{'t' * 61}",  # 10: two reasons
        "1010,Short Row",  # 11: site and role missing (short row)
    )
    parsed = parse(data)
    assert [r.staff_number for r in parsed.rows] == ["1001"]
    assert [str(p) for p in parsed.problems] == [
        "line 3: staff number is missing",
        "line 4: full name is missing",
        "line 5: site \u201cCroydon\u201d is not Bow, Hendon or Lambeth",
        "line 6: role is missing",
        "line 7: staff number 1001 is also on line 2",
        "line 8: full name is longer than 150 characters",
        "line 9: staff number \u201c10 08\u201d may only contain letters, numbers, dots, dashes "
        "and underscores",
        "line 10: staff number is longer than 20 characters; team is longer than 60 characters",
        "line 11: site is missing; role is missing",
    ]


def test_line_numbers_count_physical_lines_when_a_quoted_value_spans_two() -> None:
    data = csv_bytes('1001,"Ann\nAble",Lambeth,Call handler,T1', "1002,,Lambeth,Call handler,T1")
    parsed = parse(data)
    assert [str(p) for p in parsed.problems] == ["line 4: full name is missing"]


def test_a_header_missing_columns_names_them_on_line_1() -> None:
    parsed = parse(csv_bytes("1001,Ann,Lambeth", header="staff_number,name,site"))
    assert parsed.rows == []
    assert [str(p) for p in parsed.problems] == [
        "line 1: the header is missing the columns full_name, role, team "
        "(expected staff_number, full_name, site, role, team)"
    ]


def test_a_header_repeating_a_column_is_bad() -> None:
    parsed = parse(csv_bytes("1,2,3,4,5,6", header="staff_number,full_name,site,role,team,site"))
    assert str(parsed.problems[0]).startswith("line 1: the header repeats the column site")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        (b"  \n\n", "The file is empty."),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (
            "staff_number,full_name,site,role,team\n1001,Zo\u00eb,Bow,Call handler,T1\n".encode("latin-1"),
            "not UTF-8 text (line 2",
        ),
        (b"staff_number,full_name,site,role,team\n", "header row but no staff"),
    ],
    ids=["empty", "whitespace", "binary", "latin-1", "header-only"],
)
def test_files_that_cannot_be_read_are_refused_as_a_whole(data: bytes, message: str) -> None:
    with pytest.raises(RosterFileError, match=message.replace("(", r"\(")):
        parse(data)


def test_seen_numbers_include_bad_rows_so_they_are_not_treated_as_leavers() -> None:
    parsed = parse(csv_bytes("1001,Ann,Lambeth,Call handler,T1", "1002,Bob,Croydon,Call handler,T1"))
    assert parsed.seen_numbers == {"1001", "1002"}
