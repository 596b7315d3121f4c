"""Sign-in and logging a sortie in a real browser (Debian's Chromium), offline.

The app starts on an empty data folder, so the first page is the first-start form: create the
administrator (which signs in), add an aircraft and a crew account in Settings, sign out, sign in
as the crew member, and log a sortie: it gets number 1 and the totals show it.
"""

from tests.e2e.conftest import wait_for_app

PASSWORD = "correct horse battery"


def _select(page, label: str, option: str) -> None:
    page.locator("[data-testid='stSelectbox']").filter(has_text=label).first.click()
    page.get_by_role("option", name=option, exact=True).click()


def _button(page, text: str) -> None:
    page.locator("[data-testid='stFormSubmitButton'] button, [data-testid='stButton'] button") \
        .filter(has_text=text).first.click()
    wait_for_app(page)


def test_first_start_sign_in_and_log_a_sortie(page_en, app_server):
    page = page_en
    page.goto(app_server.url)
    wait_for_app(page)
    page.get_by_role("heading", name="Sign in").wait_for()
    # first start: there is no account and no default password; create the administrator
    page.get_by_role("textbox", name="User name").fill("chief")
    page.get_by_label("Full name").fill("Station chief")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password again").fill(PASSWORD)
    _button(page, "Create administrator")
    page.get_by_role("heading", name="Qaidam SAR planner").wait_for()
    # home, review (the administrator approves a sortie a commander flew, issue 14), terrain, settings
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 4

    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Settings").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Settings", exact=True).wait_for()
    page.get_by_label("Registration").fill("B-7185")
    page.get_by_label("Type", exact=True).fill("AC311A")
    _button(page, "Add aircraft")
    page.locator("[data-testid='stAlertContentSuccess']").first.wait_for()
    page.get_by_label("User name").first.fill("ma")
    page.get_by_label("Full name").first.fill("马建国")
    page.get_by_label("Password", exact=True).first.fill(PASSWORD)
    _button(page, "Create account")  # role defaults to crew
    page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="ma created").wait_for()
    _button(page, "Sign out")

    page.get_by_role("heading", name="Sign in").wait_for()
    wait_for_app(page)  # the settings page's widgets are gone only once the run has finished
    page.get_by_role("textbox", name="User name").fill("ma")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    _button(page, "Sign in")
    page.get_by_role("heading", name="Qaidam SAR planner").wait_for()
    nav = page.locator("[data-testid='stSidebarNavLink']")
    assert nav.filter(has_text="Review").count() == 0 and nav.filter(has_text="Settings").count() == 0
    nav.filter(has_text="Logbook").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Logbook", exact=True).wait_for()
    _select(page, "Task", "training")
    _select(page, "Aircraft", "B-7185")
    page.get_by_label("Remarks").fill("高原起降训练")
    _button(page, "Save and submit for review")
    page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Saved as sortie 1").wait_for()
    assert page.locator("[data-testid='stAlertContentError']").count() == 0
    assert page.locator("[data-testid='stMetricValue']").first.inner_text() == "1"  # total sorties
