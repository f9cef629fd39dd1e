"""A participant's programme end date: an optional people-CSV column and a field when adding
one person, shown on their admin page (entry warns outside three months of it)."""

from datetime import UTC, date, datetime

from assessment_app.models import User

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
HEADER = "role,name,email,programme,cohort,delivery_partner,school,programme_end_date\n"


def test_the_people_csv_takes_an_optional_programme_end_date(app, admin, upload):
    page = upload(admin, HEADER + "participant,Sam Taylor,sam@example.org,NPQLTD,,,,2026-07-31\n"
                  "participant,Jo Evans,jo@example.org,NPQH,,,,\n").text
    assert "2 people added" in page
    with app.app_context():
        assert User.query.filter_by(email="sam@example.org").one().programme_end_date == date(2026, 7, 31)
        assert User.query.filter_by(email="jo@example.org").one().programme_end_date is None
        sam_id = User.query.filter_by(email="sam@example.org").one().id
    assert "ends 31 July 2026" in admin.get(f"/admin/participants/{sam_id}").text


def test_a_bad_programme_end_date_refuses_the_file_with_its_line(app, admin, upload):
    page = upload(admin, HEADER + "participant,Sam Taylor,sam@example.org,NPQLTD,,,,31/07/2026\n"
                  "marker,Kim Lee,kim@example.org,NPQLTD,,,,2026-07-31\n").text
    assert "Line 2: programme_end_date “31/07/2026” must be a date like 2026-07-31." in page
    assert "Line 3: a programme end date is only for participants." in page
    with app.app_context():
        assert User.query.count() == 1


def test_the_old_people_csv_without_the_column_still_imports(app, admin, upload):
    old = "role,name,email,programme,cohort,delivery_partner,school\n"
    assert "1 person added" in upload(admin, old + "participant,Sam,sam@example.org,NPQLTD,,,\n").text


def test_adding_one_person_records_their_programme_end_date(app, admin):
    form = {"role": "participant", "name": "Sam Taylor", "email": "sam@example.org",
            "programme": "NPQLTD", "cohort": "", "delivery_partner": "", "school": ""}
    assert "Programme end date (optional, participants only)" in admin.get("/admin/people/new").text
    bad = admin.post("/admin/people/new", data={**form, "programme_end_date": ["31", "13", "2026"]})
    assert "Not a valid date value" in bad.text
    admin.post("/admin/people/new", data={**form, "programme_end_date": ["31", "7", "2026"]})
    with app.app_context():
        assert User.query.filter_by(email="sam@example.org").one().programme_end_date == date(2026, 7, 31)
