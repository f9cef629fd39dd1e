"""A person's details changed by an admin (the form, an error, the check page) and a people file
that updates someone (its preview), each checked with axe at 1280 and 320 px."""

import pytest
from playwright.sync_api import expect
from world import build_world


@pytest.fixture
def world(app):
    with app.app_context():
        return build_world()


def test_changing_a_persons_details_and_a_people_file_that_updates_them(app, pages, world, tmp_path):
    page = pages.page
    pages.sign_in("admin@example.org", world.password)
    pages.goto("/admin/people?q=sam", "people")
    page.get_by_role("link", name="Change details of Sam Taylor").click()
    pages.check("change Sam's details")
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".govuk-error-summary")).to_contain_text("is not an email address")
    pages.check("change Sam's details, with an error")
    page.get_by_label("Email address").fill("sam.taylor@example.org")
    page.get_by_label("School (optional)").fill("Elm Academy")
    page.get_by_role("button", name="Continue").click()
    expect(page.locator("main")).to_contain_text("They will sign in with sam.taylor@example.org")
    pages.check("check the changes to Sam's details")
    page.get_by_role("button", name="Change the details").click()
    expect(page.get_by_label("School (optional)")).to_have_value("Elm Academy")
    page.get_by_role("button", name="Continue").click()
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator("main")).to_contain_text("sam.taylor@example.org")
    people = tmp_path / "people.csv"
    people.write_text("role,name,email,programme,cohort,delivery_partner,school\n"
                      "participant,Sam Taylor,sam.taylor@example.org,NPQLTD,,,Beech Academy\n")
    pages.goto("/admin/people/import", "import people")
    page.get_by_label("People (CSV)").set_input_files(str(people))
    page.get_by_role("button", name="Import").click()
    expect(page.locator("main")).to_contain_text("Line 2: Sam Taylor (sam.taylor@example.org)")
    pages.check("check the people in a file")
    page.get_by_role("button", name="Apply these changes").click()
    expect(page.locator("main")).to_contain_text("1 person updated")
    pages.assert_clean()
