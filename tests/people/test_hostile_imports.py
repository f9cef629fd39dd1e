"""Hostile CSV files for the people and engagement imports: a byte-order mark, Windows-1252
text, formula cells, duplicate rows, 50,000 rows, no header, unreadable bytes. Each gives a clear
message per line, and a refused file changes nothing (no person, figure, link or email)."""

import pytest
from factories import make_user
from people.conftest import NOW
from sqlalchemy import insert

from assessment_app.csv_imports import MAX_ROWS
from assessment_app.extensions import db
from assessment_app.models import EngagementRecord, OutboxMessage, PasswordToken, Role, User

HEADER = "role,name,email,programme,cohort,delivery_partner,school\r\n"
ENGAGEMENT = "participant,programme,percent_complete,as_of\r\n"
AS_OF = NOW.date().isoformat()


def post(client, path, data: bytes):
    """Upload `data` as a browser would. The multipart body is built here: the test client's
    own builder leaves a temporary file open for bodies over 500 KB."""
    body = (b'--hostile\r\nContent-Disposition: form-data; name="document"; filename="export.csv"'
            b"\r\nContent-Type: text/csv\r\n\r\n" + data + b"\r\n--hostile--\r\n")
    return client.post(path, data=body, content_type="multipart/form-data; boundary=hostile",
                       follow_redirects=True)


def people(client, data: bytes):
    return post(client, "/admin/people/import", data)


def engagement(client, data: bytes):
    return post(client, "/admin/engagement", data)


def person(i: int, **cells) -> str:
    row = {"role": "participant", "name": f"Person {i}", "email": f"p{i}@example.org",
           "programme": "NPQLTD", "cohort": "Spring 2027", "delivery_partner": "Alliance",
           "school": "Oakfield"} | cells
    return ",".join(row.values()) + "\r\n"


def nothing_changed(app):
    """Only the signed-in admin exists: no person, link, email or engagement figure was added."""
    with app.app_context():
        assert [User.query.count(), PasswordToken.query.count(), OutboxMessage.query.count(),
                EngagementRecord.query.count()] == [1, 0, 0, 0]


def test_a_byte_order_mark_is_read_as_the_start_of_the_header(app, admin):
    response = people(admin, ("\ufeff" + HEADER + person(1)).encode("utf-8"))
    assert "1 person added" in response.text
    with app.app_context():
        assert db.session.scalar(db.select(User.name).where(User.email == "p1@example.org")) == "Person 1"


def test_windows_1252_text_from_excel_keeps_its_accents_and_curly_quotes(app, admin):
    """Excel's "CSV" on a UK Windows writes Windows-1252: ë and ’ arrive as themselves."""
    people(admin, (HEADER + person(1, name="Zoë O’Brien", school="St Brendan’s")).encode("cp1252"))
    with app.app_context():
        user = User.query.filter_by(email="p1@example.org").one()
        assert (user.name, user.school) == ("Zoë O’Brien", "St Brendan’s")


def test_bytes_that_are_no_text_encoding_are_refused_by_line(app, admin):
    data = (HEADER + person(1)).encode() + b"participant,Bad \x81 Byte,p2@example.org,NPQLTD,,,\r\n"
    page = people(admin, data).text
    assert "Line 3: characters that are neither UTF-8 nor Windows-1252 text" in page
    nothing_changed(app)


@pytest.mark.parametrize("cell", ["=HYPERLINK(\"http://evil.example\",\"Click\")", "+1+1",
                                  "-2+3", "@SUM(A1:A2)", "\t=cmd|' /C calc'!A0"])
def test_a_cell_a_spreadsheet_would_run_as_a_formula_is_refused_naming_its_line_and_column(
        app, admin, cell):
    quoted = '"' + cell.replace('"', '""') + '"'
    page = people(admin, (HEADER + person(1) + person(2, school=quoted)).encode()).text
    assert "Line 3: school “" in page and "which a spreadsheet would run as a formula" in page
    nothing_changed(app)


def test_formula_cells_in_an_engagement_file_are_refused_with_the_other_problems(app, admin):
    with app.app_context():
        make_user(email="sam@example.org")
    page = engagement(admin, (ENGAGEMENT + f"=1+1,NPQLTD,95,{AS_OF}\r\n"
                              f"sam@example.org,@NPQLTD,95,{AS_OF}\r\n"
                              f"sam@example.org,NPQLTD,120,{AS_OF}\r\n").encode()).text
    for expected in ("Line 2: participant “=1+1” starts with “=”",
                     "Line 3: programme “@NPQLTD” starts with “@”",
                     "Line 4: percent_complete must be a number from 0 to 100"):
        assert expected in page
    with app.app_context():
        assert EngagementRecord.query.count() == 0


def test_duplicate_rows_name_both_lines(app, admin):
    page = people(admin, (HEADER + person(1) + person(2) + person(1)).encode()).text
    assert "Line 4: p1@example.org appears twice in the file (first on line 2)" in page
    nothing_changed(app)
    with app.app_context():
        make_user(email="sam@example.org")
    row = f"sam@example.org,NPQLTD,95,{AS_OF}\r\n"
    page = engagement(admin, (ENGAGEMENT + row + row).encode()).text
    assert "Line 3: sam@example.org appears twice for NPQLTD (first on line 2)" in page


def test_a_file_without_its_header_line_says_so(app, admin):
    page = people(admin, (person(1) + person(2)).encode()).text
    assert ("Line 1: the first line must be the header, with the columns role, name, email, "
            "programme, cohort, delivery_partner, school") in page
    assert "It looks like a row of data: add the header line above it." in page
    nothing_changed(app)
    page = engagement(admin, f"sam@example.org,NPQLTD,95,{AS_OF}\r\n".encode()).text
    assert "Line 1: the first line must be the header, with the columns participant" in page


def test_nul_bytes_and_oversized_cells_are_refused_not_a_server_error(app, admin):
    page = people(admin, (HEADER + person(1)).encode() + b"participant,A\x00B,p2@example.org,NPQLTD,,,\r\n")
    assert "Line 3: contains a NUL character" in page.text
    huge = people(admin, (HEADER + person(1) + person(2, school="x" * 200_000)).encode())
    assert huge.status_code == 200
    assert "Line 3: this line cannot be read as CSV" in huge.text
    nothing_changed(app)


def test_50000_people_with_one_bad_row_are_refused_whole_naming_that_row(app, admin):
    rows = "".join(person(i) for i in range(MAX_ROWS - 1)) + person(MAX_ROWS, role="teacher")
    page = people(admin, (HEADER + rows).encode()).text
    assert f"Line {MAX_ROWS + 1}: role must be participant, marker or moderator" in page
    nothing_changed(app)


def test_more_than_50000_rows_are_refused_and_50000_bad_rows_list_the_first_100(app, admin):
    too_many = people(admin, (HEADER + "".join(person(i) for i in range(MAX_ROWS + 1))).encode())
    assert "The file has more than 50,000 rows" in too_many.text
    all_bad = people(admin, (HEADER + "".join(person(i, role="x") for i in range(MAX_ROWS))).encode())
    assert all_bad.text.count("role must be participant") == 100
    assert "And 49,900 more problems like these" in all_bad.text
    nothing_changed(app)


def test_an_engagement_file_of_50000_rows_is_imported_whole(app, admin):
    with app.app_context():
        db.session.execute(insert(User), [
            {"email": f"p{i}@example.org", "name": f"Person {i}", "role": Role.PARTICIPANT,
             "programme": "NPQLTD"} for i in range(MAX_ROWS)])
        db.session.commit()
    rows = "".join(f"p{i}@example.org,NPQLTD,{90 + i % 10},{AS_OF}\r\n" for i in range(MAX_ROWS))
    response = engagement(admin, (ENGAGEMENT + rows).encode())
    assert "50000 engagement figures imported" in response.text
    with app.app_context():
        assert EngagementRecord.query.count() == MAX_ROWS
