"""The docs stay honest: every config key and layer is documented; the core never imports flask."""

from __future__ import annotations

import ast
import re

import pytest

from geoapp.config import DEFAULTS, ROOT, load_config
from geoapp.layers import load_layer_defs

README = (ROOT / "README.md").read_text(encoding="utf-8")
#: Every core module, in subpackages too (query/, export/, …): all of geoapp but geoapp/web/.
CORE = [p for p in (ROOT / "geoapp").rglob("*.py") if "web" not in p.relative_to(ROOT).parts]


@pytest.mark.parametrize("key", sorted(DEFAULTS))
def test_every_config_key_is_documented(key):
    assert re.search(rf"^\| `{key}` \|", README, re.M), (
        f"{key} missing from README's configuration table"
    )


@pytest.mark.parametrize("layer", sorted(load_layer_defs(ROOT / "layers")))
def test_every_layer_is_documented(layer):
    assert f"| `{layer}` |" in README


@pytest.mark.parametrize("path", CORE, ids=lambda p: str(p.relative_to(ROOT)))
def test_core_modules_never_import_flask(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    names += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    assert not [n for n in names if n.split(".")[0] in ("flask", "werkzeug")]


def test_readme_has_the_two_commands_and_ci_runs_the_test_one():
    assert "make run " in README and "make test " in README
    assert (ROOT / ".ci" / "run").read_text().strip().endswith("make test")


def test_config_layers(tmp_path):
    cfg_file = tmp_path / "geoapp.toml"
    cfg_file.write_text('basemap = "amap"\nmax_limit = 50\n', encoding="utf-8")
    cfg = load_config(cfg_file, env={"GEOAPP_MAX_LIMIT": "70", "GEOAPP_DEFAULT_LANG": "en"})
    assert (cfg["BASEMAP"], cfg["MAX_LIMIT"], cfg["DEFAULT_LANG"]) == ("amap", 70, "en")
    assert load_config(env={})["BASEMAP"] == "osm"
