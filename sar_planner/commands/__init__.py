"""Sub-commands of ``sar-planner``: one module each, discovered by :mod:`sar_planner.cli`."""
