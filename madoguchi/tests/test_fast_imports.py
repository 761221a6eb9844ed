"""Commands start fast: the API, the URLconf and everything they import load no heavy library at import time
(OR-Tools, pandas, matplotlib, ReportLab, openpyxl, SudachiPy are imported inside the functions that use them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

HEAVY = ("ortools", "pandas", "matplotlib", "reportlab", "openpyxl", "sudachipy")

# Run in a fresh interpreter: this test process has imported them long ago. The hook names, for a failure,
# the madoguchi module whose import pulled each heavy library in.
PROBE = f"""
import builtins, json, sys
HEAVY = {HEAVY!r}
culprits = {{}}
_import = builtins.__import__
def _probe(name, globals=None, locals=None, fromlist=(), level=0):
    top = name.split(".")[0]
    if top in HEAVY and top not in sys.modules and top not in culprits:
        culprits[top] = (globals or {{}}).get("__name__", "?")
    return _import(name, globals, locals, fromlist, level)
builtins.__import__ = _probe
import django
django.setup()
import madoguchi.api, madoguchi.urls
print(json.dumps({{m: culprits.get(m, "?") for m in HEAVY if m in sys.modules}}))
"""


def test_importing_the_api_and_the_urls_loads_no_heavy_library() -> None:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "madoguchi.settings.test"}
    out = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, check=True, timeout=120
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded == {}, f"loaded at import time (library: first importer): {loaded}"
