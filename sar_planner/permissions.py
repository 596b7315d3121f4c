"""What each role may do, and who is acting: the permission rules, without accounts or a database.

Roles (see :data:`PERMISSIONS`): ``crew`` plan searches, log and submit their own sorties;
``commander`` everything crew may do, plus review (approve, return, amend) and all missions;
``analyst`` read the log, statistics and exports; ``admin`` accounts, aircraft roster, settings
and backups, and approving sorties (so a sortie a commander flew can be approved when no other
commander is on duty: nobody approves his own flight,
:func:`sar_planner.logbook.records.approve_sortie`). Pages and commands check them through
:func:`require` on every run; the logbook
checks them before it writes. Accounts, passwords and sign-in are :mod:`sar_planner.auth`, which
re-exports these names.

>>> allowed("crew", "sortie.log"), allowed("analyst", "sortie.log")
(True, False)
>>> visible_pages("analyst", ["home", "plan", "statistics"])
['home', 'statistics']
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sar_planner.errors import AuthError

__all__ = ["PERMISSIONS", "PAGE_PERMISSIONS", "Actor", "allowed", "require", "can_see_page",
           "visible_pages"]

_CREW = frozenset({"page.home", "page.mission", "page.probability", "page.plan", "page.logbook",
                   "page.terrain", "plan.edit", "sortie.log", "log.read_own"})
#: What each role may do. Pages check ``page.<key>``; actions check their own names.
PERMISSIONS: dict[str, frozenset[str]] = {
    "crew": _CREW,
    "commander": _CREW | {"page.review", "page.statistics", "sortie.review", "sortie.amend",
                          "sortie.log_for_others", "mission.manage", "log.read", "log.export"},
    "analyst": frozenset({"page.home", "page.statistics", "log.read", "log.export"}),
    "admin": frozenset({"page.home", "page.terrain", "page.settings", "accounts.manage",
                        "aircraft.manage", "settings.manage", "db.backup", "log.import", "log.read",
                        "log.export", "page.review", "sortie.review"}),
}

#: The permission each page needs (page key -> permission).
PAGE_PERMISSIONS: dict[str, str] = {key: f"page.{key}" for key in (
    "home", "mission", "probability", "plan", "logbook", "review", "statistics", "terrain", "settings")}


@dataclass(frozen=True)
class Actor:
    """Who is acting: recorded in the audit log and checked against :data:`PERMISSIONS`.

    ``user_id`` is ``None`` for the command line, which acts as the operating-system user on the
    machine that holds the database (role ``admin``).
    """

    user_id: int | None
    username: str
    role: str

    @classmethod
    def command_line(cls) -> Actor:
        """The actor for ``sar-planner`` commands: ``cli:<os user>`` with the admin role."""
        try:
            who = getpass.getuser()
        except Exception:  # noqa: BLE001 - no user name in some containers
            who = "unknown"
        return cls(None, f"cli:{who}"[:40], "admin")


def allowed(role: str, permission: str) -> bool:
    """True when ``role`` has ``permission`` in :data:`PERMISSIONS`."""
    return permission in PERMISSIONS.get(role, frozenset())


def require(actor: Actor, permission: str) -> None:
    """Raise :class:`AuthError` ``auth.err_forbidden`` unless ``actor`` has ``permission``."""
    if not allowed(actor.role, permission):
        raise AuthError("auth.err_forbidden", role=actor.role, permission=permission)


def can_see_page(role: str, page_key: str) -> bool:
    """True when ``role`` may open the page ``page_key`` (for example ``"review"``)."""
    perm = PAGE_PERMISSIONS.get(page_key)
    return perm is not None and allowed(role, perm)


def visible_pages(role: str, page_keys: list[str] | tuple[str, ...]) -> list[str]:
    """The pages of ``page_keys`` that ``role`` may open, in the given order."""
    return [k for k in page_keys if can_see_page(role, k)]
