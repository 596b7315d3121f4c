"""``sar-planner serve``: start the Streamlit app on its embedded defaults."""

from __future__ import annotations

import argparse
import os
import sys

from sar_planner.errors import SettingsError
from sar_planner.settings import app_dir, get_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="start the planner in the browser (offline, headless)")
    p.add_argument("--port", type=int, default=8501, help="TCP port (default 8501)")
    p.add_argument("--address", default="127.0.0.1",
                   help="address to listen on (default 127.0.0.1; 0.0.0.0 to share on a LAN)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = get_settings()
    settings.ensure_dirs()
    home = app_dir()  # the checkout, or <prefix>/share/sar-planner for an installed wheel
    app = home / "app.py"
    if not app.is_file():
        raise SettingsError("common.err_app_missing", path=str(app))
    print(f"sar-planner: data folder {settings.data_dir}", file=sys.stderr)
    print(f"sar-planner: open http://{args.address}:{args.port} in the browser", file=sys.stderr)
    cmd = [sys.executable, "-m", "streamlit", "run", str(app),
           "--server.headless", "true", "--server.port", str(args.port),
           "--server.address", args.address, "--browser.gatherUsageStats", "false",
           "--server.fileWatcherType", "none"]
    os.chdir(home)  # so .streamlit/config.toml next to app.py applies
    os.execv(sys.executable, cmd)
    return 0  # pragma: no cover (execv does not return)
