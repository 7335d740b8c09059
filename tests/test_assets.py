"""Every asset a folium page loads is served by geoapp itself (geoapp.assets + vendored files)."""

from __future__ import annotations

import copy
import hashlib
import re
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import folium
import folium.plugins as plugins
import pytest

from geoapp import assets
from geoapp.assets import VENDOR, asset_url, drop, droppable, localize, static_dir

STATIC = static_dir()
VENDOR_DIR = STATIC / "vendor"
REMOTE = re.compile(r"^(?:https?:)?//", re.I)

GEOJSON = {
    "type": "FeatureCollection",
    "features": [
        {
            "type": "Feature",
            "properties": {"name": name},
            "geometry": {"type": "Point", "coordinates": [lon, 28.90]},
        }
        for name, lon in (("永康市人民政府", 120.04), ("永康火车站", 120.07))
    ],
}

CLASSES = (
    folium.Map,
    plugins.Fullscreen,
    plugins.MeasureControl,
    plugins.Search,
    plugins.GroupedLayerControl,
)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "script" and a.get("src"):
            self.urls.append(a["src"])
        elif tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def asset_links(html: str) -> list[str]:
    parser = _Links()
    parser.feed(html)
    return parser.urls


def full_map() -> folium.Map:
    m = folium.Map(location=[28.9, 120.05], zoom_start=12, tiles=None)
    plugins.Fullscreen().add_to(m)
    plugins.MeasureControl().add_to(m)
    points = folium.GeoJson(GEOJSON, name="地标").add_to(m)
    plugins.Search(layer=points, search_label="name").add_to(m)
    plans = folium.FeatureGroup(name="规划").add_to(m)
    works = folium.FeatureGroup(name="在建").add_to(m)
    folium.Marker([28.90, 120.04], popup="人民政府", icon=folium.Icon()).add_to(plans)
    folium.Marker([28.91, 120.06], icon=folium.Icon(prefix="fa", icon="city", angle=30)).add_to(
        works
    )
    plugins.GroupedLayerControl({"图层": [plans, works]}, exclusive_groups=False).add_to(m)
    return m


def local_path(url: str) -> Path:
    path = urlsplit(url).path
    assert path.startswith("/static/"), url
    return STATIC / path.removeprefix("/static/")


@pytest.fixture
def class_assets():
    """Fail the test if folium's class-level asset lists change (identity or content)."""
    before = {
        (c, attr): (getattr(c, attr), copy.deepcopy(getattr(c, attr)))
        for c in CLASSES
        for attr in ("default_js", "default_css")
    }
    yield
    for (c, attr), (obj, content) in before.items():
        assert getattr(c, attr) is obj and getattr(c, attr) == content, (c, attr)
    assert all(REMOTE.match(u) for _, u in folium.Map.default_js + folium.Map.default_css)


def test_localized_map_loads_nothing_remote(class_assets):
    m = localize(full_map(), "/static")
    urls = asset_links(m.get_root().render())
    assert len(urls) == 18  # folium's 10 + 4 plugins x (js + css)
    remote = [u for u in urls if REMOTE.match(u)]
    assert remote == []
    missing = [u for u in urls if not local_path(u).is_file()]
    assert missing == []


def test_folium_classes_untouched(class_assets):
    m = localize(full_map(), "/static", drop=droppable)
    m.get_root().render()
    fresh = folium.Map(tiles=None)
    html = fresh.get_root().render()
    assert "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js" in html
    assert folium.Map.default_js[0] == (
        "leaflet",
        "https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js",
    )


def test_manifest_files_exist_with_recorded_sha256():
    packages = VENDOR["packages"]
    assert {p["package"] for p in packages} >= {
        "leaflet",
        "jquery",
        "bootstrap",
        "leaflet.awesome-markers",
        "@fortawesome/fontawesome-free",
        "leaflet.fullscreen",
        "leaflet-measure",
        "leaflet-search",
        "leaflet-groupedlayercontrol",
        "leaflet-gesture-handling",
        "leaflet-easybutton",
    }
    listed = {VENDOR_DIR / "MANIFEST.json"}
    for pkg in packages:
        root = VENDOR_DIR / f"{pkg['package']}@{pkg['version']}"
        assert pkg["license"]
        assert (root / pkg["license_file"]).is_file(), pkg["package"]
        listed.add(root / pkg["license_file"])
        for f in pkg["files"]:
            path = root / f["file"]
            assert hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"], path
            listed.add(path)
    on_disk = {p for p in VENDOR_DIR.rglob("*") if p.is_file()}
    assert on_disk == listed  # nothing unrecorded ships
    assert not [p for p in on_disk if p.suffix in {".map", ".ttf", ".eot", ".otf"}]


def test_no_vendored_file_is_git_ignored():
    """A .gitignore rule (e.g. ``dist/``) must not silently keep vendored files out of git."""
    root = STATIC.parent.parent
    if shutil.which("git") is None or not (root / ".git").exists():
        pytest.skip("not a git work tree")
    files = [str(p.relative_to(root)) for p in VENDOR_DIR.rglob("*") if p.is_file()]
    proc = subprocess.run(
        ["git", "check-ignore", "--no-index", "--stdin"],
        cwd=root,
        input="\n".join(files),
        capture_output=True,
        text=True,
    )
    assert proc.stdout.split() == []


def test_every_folium_cdn_url_has_a_local_copy():
    for cls in CLASSES:
        for _name, url in cls.default_js + cls.default_css:
            assert local_path(assets.local_url(url, "/static")).is_file(), url


def test_unknown_cdn_url_raises_keyerror_naming_it(class_assets):
    url = "https://cdn.example.org/npm/leaflet-unknown@9.9.9/dist/unknown.min.js"
    m = full_map()
    fs = next(c for c in m._children.values() if isinstance(c, plugins.Fullscreen))
    # an instance list (folium's add_js_link would append to the class's list)
    fs.default_js = [*fs.default_js, ("unknown", url)]
    with pytest.raises(KeyError, match=re.escape(url)):
        localize(m, "/static")
    # nothing was half-rewritten
    assert all(REMOTE.match(u) for _, u in m.default_js)


def test_css_url_references_resolve():
    checked = 0
    for pkg in VENDOR["packages"]:
        root = VENDOR_DIR / f"{pkg['package']}@{pkg['version']}"
        for f in pkg["files"]:
            if not f["file"].endswith(".css"):
                continue
            css = (root / f["file"]).read_text(encoding="utf-8")
            for ref in re.findall(r"url\(\s*['\"]?([^'\")]+)['\"]?\s*\)", css):
                if ref.startswith(("data:", "#")):
                    continue
                assert not REMOTE.match(ref), (f["file"], ref)
                target = (root / f["file"]).parent / ref.split("?")[0].split("#")[0]
                assert target.resolve().is_file(), (pkg["package"], f["file"], ref)
                checked += 1
    assert checked >= 20


def test_fontawesome_fonts_resolve():
    css = (VENDOR_DIR / "@fortawesome/fontawesome-free@6.2.0/css/all.min.css").read_text(
        encoding="utf-8"
    )
    refs = set(re.findall(r"url\(([^)]+)\)", css))
    assert refs == {
        f"../webfonts/fa-{n}.woff2"
        for n in ("brands-400", "regular-400", "solid-900", "v4compatibility")
    }
    for ref in refs:
        assert (VENDOR_DIR / "@fortawesome/fontawesome-free@6.2.0/css" / ref).resolve().is_file()


def test_lean_drop(class_assets):
    m = folium.Map(tiles=None)
    folium.GeoJson(GEOJSON).add_to(m)
    plugins.Fullscreen().add_to(m)
    assert droppable(m) == {
        "jquery",
        "bootstrap",
        "bootstrap_css",
        "glyphicons_css",
        "awesome_markers",
        "awesome_markers_css",
        "awesome_markers_font_css",
        "awesome_rotate_css",
    }
    localize(m, "/static", drop=droppable)
    urls = asset_links(m.get_root().render())
    assert sorted(Path(urlsplit(u).path).name for u in urls) == [
        "Control.FullScreen.css",
        "Control.FullScreen.js",
        "leaflet.css",
        "leaflet.js",
    ]


def test_drop_refuses_what_is_in_use(class_assets):
    m = full_map()
    # popup -> jquery; default Icon -> glyphicons; fa Icon at 30 degrees -> font awesome, rotate
    assert droppable(m) == {"bootstrap", "bootstrap_css"}
    for name in ("jquery", "glyphicons_css", "awesome_markers", "awesome_rotate_css", "leaflet"):
        with pytest.raises(ValueError, match=name):
            drop(m, [name])
    drop(m, ["bootstrap", "bootstrap_css"])
    assert "bootstrap" not in dict(m.default_js)


def test_asset_url():
    assert (
        asset_url("leaflet-gesture-handling", "leaflet-gesture-handling.min.js", "/static/")
        == "/static/vendor/leaflet-gesture-handling@1.2.2/leaflet-gesture-handling.min.js"
    )
    url = asset_url("bootstrap@3.4.1", "css/bootstrap-glyphicons.min.css", "/s")
    assert url == "/s/vendor/bootstrap@3.4.1/css/bootstrap-glyphicons.min.css"
    assert local_path(asset_url("leaflet-easybutton", "src/easy-button.js", "/static")).is_file()
    with pytest.raises(KeyError):
        asset_url("leaflet-easybutton", "src/nope.js", "/static")
    with pytest.raises(KeyError):
        asset_url("no-such-package", "x.js", "/static")


def test_localize_is_idempotent():
    m = localize(full_map(), "/static")
    first = asset_links(m.get_root().render())
    localize(m, "/static")
    assert asset_links(m.get_root().render()) == first
