"""The asset catalogue editor in a real browser (Debian's Chromium), offline: an administrator
changes the Mavic 3T's reserve on the Settings page, sees it saved as the unit's figure with its
reference, and a refused figure shows a plain error, not a traceback; then discards the unit's
copy (after confirming) and finds it kept in the backups folder.
"""

from sar_planner.assets import load_catalogue
from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser

REF = "unit trial 2026-08, Zongjia"


def _save(page) -> None:
    page.locator("[data-testid='stFormSubmitButton'] button").filter(has_text="Save changes").click()
    wait_for_app(page)


def test_admin_edits_an_asset_figure_in_the_browser(page_en, app_server):
    page = page_en
    sign_in_browser(page, app_server, "admin")
    page.locator("[data-testid='stSidebarNavLink']").filter(has_text="Settings").click()
    wait_for_app(page)
    page.get_by_role("heading", name="Asset catalogue").wait_for()
    pick = page.locator("[data-testid='stSelectbox']").filter(has_text="Aircraft in the catalogue")
    pick.scroll_into_view_if_needed()
    pick.get_by_role("combobox").click()
    page.get_by_role("option").filter(has_text="DJI Mavic 3T").click()
    wait_for_app(page)

    reserve = page.get_by_label("Reserve kept at landing (min)")
    reserve.fill("50")  # 50 min = 3,000 s, longer than the 2,700 s (45 min) endurance
    reserve.press("Tab")  # commit the typed number before the form is submitted
    page.get_by_label("Reference for the changed figures (who, when, why)").fill(REF)
    _save(page)
    page.locator("[data-testid='stAlertContentError']").filter(
        has_text="must be shorter than the endurance").wait_for()
    assert not (app_server.data_dir / "assets.toml").exists()

    reserve.fill("10")  # 10 min = 600 s
    reserve.press("Tab")
    page.get_by_label("Reference for the changed figures (who, when, why)").fill(REF)
    _save(page)
    page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="Saved 1 figure(s)").wait_for()
    fig = load_catalogue(app_server.data_dir / "assets.toml")["mavic3t"].figures["reserve_s"]
    assert (fig.value, fig.by, fig.ref, fig.layer) == (600.0, "unit", REF, "unit")
    saved = (app_server.data_dir / "assets.toml").read_bytes()

    # discard the unit's copy: a confirm step, then the bundled catalogue alone
    page.get_by_role("button", name="Discard the unit's copy…").click()
    wait_for_app(page)
    page.get_by_role("button", name="Yes, discard the unit's copy").click()
    wait_for_app(page)
    page.locator("[data-testid='stAlertContentSuccess']").filter(has_text="set aside").wait_for()
    assert not (app_server.data_dir / "assets.toml").exists()
    (kept,) = (app_server.data_dir / "backups").glob("assets-discarded-*.toml")
    assert kept.read_bytes() == saved
