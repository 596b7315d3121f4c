"""A page reloaded while signed out (after a restart of the app, a sign-out in another tab, or
an old bookmark) shows the sign-in, then that page: before, Streamlit put up its English "Page not
found" box over the sign-in, with 404 errors in the console (QA walk, session 2).

This is the one browser test that opens a page by its address: that reload is the case tested.
"""

from __future__ import annotations

from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser
from tests.signin import TEST_PASSWORD


def test_reload_of_a_page_address_signed_out_signs_in_to_that_page(page_en, app_server):
    page = page_en
    sign_in_browser(page, app_server, "crew")  # creates the account; this tab is then signed in
    # another browser (no session cookie: a new tab of this one would stay signed in, issue 16)
    fresh = page.context.browser.new_context(locale="en-US")
    other = fresh.new_page()
    other.goto(f"{app_server.url}/logbook")
    wait_for_app(other)
    other.get_by_role("textbox", name="User name").wait_for()
    assert other.get_by_text("Page not found").count() == 0
    other.get_by_role("textbox", name="User name").fill("test-crew")
    other.get_by_label("Password", exact=True).fill(TEST_PASSWORD)
    other.locator("[data-testid='stFormSubmitButton'] button").first.click()
    wait_for_app(other)
    # signed in, on the page whose address was opened
    other.get_by_role("heading", name="Logbook", exact=True).wait_for(timeout=60_000)
    assert other.locator("[data-testid='stSidebarNavLink']").count() == 6  # crew's pages
    fresh.close()
