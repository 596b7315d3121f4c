"""The command line: discovers its sub-commands and reports errors without tracebacks."""

import subprocess
import sys

from sar_planner.cli import build_parser, main


def test_help_lists_serve():
    assert "serve" in build_parser().format_help()


def test_no_command_prints_help_and_fails(capsys):
    assert main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_console_script_runs_as_module():
    out = subprocess.run([sys.executable, "-m", "sar_planner.cli", "--version"],
                         capture_output=True, text=True, check=True)
    assert out.stdout.startswith("sar-planner ")


def test_output_cut_short_by_a_pipe_is_not_an_error():
    # `sar-planner terrain list | head -1`: the reader closes the pipe early
    proc = subprocess.run(f"{sys.executable} -m sar_planner.cli terrain list | head -c 10",
                          shell=True, capture_output=True, text=True)
    assert "internal error" not in proc.stderr
