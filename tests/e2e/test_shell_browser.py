"""The app in a real browser: it loads offline, follows the browser language, and switches language."""

from tests.e2e.conftest import wait_for_app
from tests.e2e.signin import sign_in_browser


def test_opens_offline_in_english_and_switches_to_chinese(page_en, app_server):
    page = page_en
    sign_in_browser(page, app_server, "commander")
    page.get_by_role("heading", name="Qaidam SAR planner").wait_for()
    # a commander sees every page but the administrator's settings (sar_planner.auth.PERMISSIONS)
    assert page.locator("[data-testid='stSidebarNavLink']").count() == 8
    # switch language in the sidebar
    page.locator("[data-testid='stSidebar'] [data-testid='stSelectbox']").first.click()
    page.get_by_role("option", name="中文").click()
    wait_for_app(page)
    page.get_by_role("heading", name="柴达木搜救规划").wait_for()
    assert page.locator("[data-testid='stSidebarNavLink']").filter(has_text="地形").count() == 1
