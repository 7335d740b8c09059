#!/usr/bin/env python3
"""Vendor the browser assets folium pages load, so they work on an intranet with no internet.

One-off, reproducible tool (run it again after changing a pin below):

    python scripts/vendor_assets.py            # fetch, extract, write MANIFEST.json
    python scripts/vendor_assets.py --check    # fetch again and verify the committed files

It fetches pinned npm packages with ``npm pack`` (and folium's sdist with ``pip download``
for the one stylesheet folium serves from its own GitHub tree) into a temporary directory,
copies only the minified dist files a page needs into
``geoapp/static/vendor/<package>@<version>/<path in package>`` (keeping each package's own
layout, so relative ``url(...)`` references in stylesheets keep working, except that a
leading ``dist/`` is dropped: the repo ignores dist/ directories), adds the package's
licence as ``LICENSE``, and writes ``geoapp/static/vendor/MANIFEST.json``: package, version,
licence, where it came from, each file with its sha256, and which CDN URLs each file replaces.

Files are copied byte for byte except for a few recorded ``transform`` steps: dropping
``sourceMappingURL`` comments (no source maps are shipped), keeping only woff2 fonts in
``@font-face`` rules (every browser that runs Leaflet 1.9 reads woff2), extracting the
Glyphicons rules from Bootstrap 3, and whitespace-minifying folium's rotate stylesheet.
The output is deterministic: running the tool twice gives identical files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR_DIR = ROOT / "geoapp" / "static" / "vendor"
MANIFEST = VENDOR_DIR / "MANIFEST.json"

JSDELIVR = "https://cdn.jsdelivr.net"
CDNJS = "https://cdnjs.cloudflare.com/ajax/libs"


# --------------------------------------------------------------------------- transforms


def strip_sourcemap(text: str) -> str:
    """Drop ``//# sourceMappingURL=`` / ``/*# sourceMappingURL=... */`` (maps are not shipped)."""
    text = re.sub(r"/\*# sourceMappingURL=[^*]*\*/", "", text)
    text = re.sub(r"//# sourceMappingURL=\S*", "", text)
    return text.rstrip() + "\n"


def woff2_only(text: str) -> str:
    """Keep only the woff2 source in ``@font-face`` rules (the ttf fallbacks are not shipped)."""
    out = re.sub(r',\s*url\([^)]*\.ttf\)\s*format\("truetype"\)', "", text)
    if ".ttf" in out:
        raise ValueError("a .ttf reference survived woff2_only")
    return out


def glyphicons_extract(text: str) -> str:
    """Cut the Glyphicons ``@font-face`` and ``.glyphicon*`` rules out of Bootstrap 3's CSS.

    Bootstrap 5 (what folium loads) has no glyphicons; folium's default ``Icon`` uses
    ``prefix="glyphicon"``, so its markers need these rules and the Halflings font.
    """
    banner = re.match(r"/\*!.*?\*/", text, re.S)
    start = text.index('@font-face{font-family:"Glyphicons Halflings"')
    rules: list[str] = []
    pos = start
    while True:
        brace = text.index("{", pos)
        end = text.index("}", brace) + 1
        selector = text[pos:brace]
        rule = text[pos:end]
        is_font = selector == "@font-face" and "Glyphicons Halflings" in rule
        if not (is_font or all(s.startswith(".glyphicon") for s in selector.split(","))):
            break
        rules.append(rule)
        pos = end
    css = "".join(rules)
    css = re.sub(
        r'(@font-face\{font-family:"Glyphicons Halflings";)[^}]*\}',
        r'\1src:url(../fonts/glyphicons-halflings-regular.woff2) format("woff2")}',
        css,
        count=1,
    )
    if "glyphicon-menu-up" not in css or css.count("@font-face") != 1:
        raise ValueError("glyphicons extraction did not find the expected rules")
    header = (banner.group(0) if banner else "") + "\n/*! Glyphicons rules only */\n"
    return header + css + "\n"


def minify_css_whitespace(text: str) -> str:
    """Whitespace-only CSS minification (for folium's rotate stylesheet, shipped unminified)."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s*([{};:,])\s*", r"\1", text)
    return text.strip() + "\n"


def legalese_section(text: str) -> str:
    """The "## Legalese" section of a README (Leaflet.VectorGrid ships no LICENSE file)."""
    start = text.index("## Legalese")
    end = text.find("\n## ", start + 1)
    return text[start : end if end > 0 else len(text)].strip() + "\n"


def chain(*steps: Callable[[str], str]) -> Callable[[str], str]:
    def run(text: str) -> str:
        for step in steps:
            text = step(text)
        return text

    run.__name__ = "+".join(s.__name__ for s in steps)
    return run


# --------------------------------------------------------------------------- pins


@dataclass(frozen=True)
class File:
    src: str  # path inside the package (without npm's leading "package/")
    dest: str | None = None  # path under vendor/<pkg>@<ver>/ (default: same as src)
    replaces: tuple[str, ...] = ()  # CDN URLs (as folium writes them) this file stands for
    transform: Callable[[str], str] | None = None


@dataclass(frozen=True)
class Package:
    name: str  # directory name under vendor/ and the name asset_url() takes
    version: str
    license: str
    license_file: str
    files: tuple[File, ...]
    fetch: str = ""  # npm spec or "pypi:NAME==VER"; default npm NAME@VERSION
    license_fetch: str = ""  # fetch spec of another package holding the licence text
    license_transform: Callable[[str], str] | None = None  # licence text inside a bigger file
    note: str = ""

    @property
    def spec(self) -> str:
        return self.fetch or f"npm:{self.name}@{self.version}"


PACKAGES: tuple[Package, ...] = (
    Package(
        "leaflet",
        "1.9.4",
        "BSD-2-Clause",
        "LICENSE",
        (
            File(
                "dist/leaflet.js",
                replaces=(
                    f"{JSDELIVR}/npm/leaflet@1.9.3/dist/leaflet.js",
                    f"{JSDELIVR}/npm/leaflet@1.9.4/dist/leaflet.js",
                ),
                transform=strip_sourcemap,
            ),
            File(
                "dist/leaflet.css",
                replaces=(
                    f"{JSDELIVR}/npm/leaflet@1.9.3/dist/leaflet.css",
                    f"{JSDELIVR}/npm/leaflet@1.9.4/dist/leaflet.css",
                ),
            ),
            File("dist/images/layers.png"),
            File("dist/images/layers-2x.png"),
            File("dist/images/marker-icon.png"),
            File("dist/images/marker-icon-2x.png"),
            File("dist/images/marker-shadow.png"),
        ),
        note="folium 0.20 references leaflet 1.9.3; 1.9.4 is the 1.9 bug-fix release.",
    ),
    Package(
        "jquery",
        "3.7.1",
        "MIT",
        "LICENSE.txt",
        (
            File(
                "dist/jquery.min.js",
                replaces=("https://code.jquery.com/jquery-3.7.1.min.js",),
                transform=strip_sourcemap,
            ),
        ),
    ),
    Package(
        "bootstrap",
        "5.2.2",
        "MIT",
        "LICENSE",
        (
            File(
                "dist/js/bootstrap.bundle.min.js",
                replaces=(f"{JSDELIVR}/npm/bootstrap@5.2.2/dist/js/bootstrap.bundle.min.js",),
                transform=strip_sourcemap,
            ),
            File(
                "dist/css/bootstrap.min.css",
                replaces=(f"{JSDELIVR}/npm/bootstrap@5.2.2/dist/css/bootstrap.min.css",),
                transform=strip_sourcemap,
            ),
        ),
    ),
    Package(
        "bootstrap",
        "3.4.1",
        "MIT",
        "LICENSE",
        (
            File(
                "dist/css/bootstrap.min.css",
                dest="dist/css/bootstrap-glyphicons.min.css",
                replaces=(
                    "https://netdna.bootstrapcdn.com/bootstrap/3.0.0/css/bootstrap-glyphicons.css",
                ),
                transform=glyphicons_extract,
            ),
            File("dist/fonts/glyphicons-halflings-regular.woff2"),
        ),
        note="Only the Glyphicons rules and the Halflings woff2 font of Bootstrap 3 "
        "(folium's CDN file is the 3.0.0 glyphicons sheet; 3.4.1 has the same classes and more).",
    ),
    Package(
        "leaflet.awesome-markers",
        "2.0.2",
        "MIT",
        "LICENSE",
        (
            File(
                "js/leaflet.awesome-markers.min.js",
                replaces=(f"{CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.js",),
            ),
            File(
                "css/leaflet.awesome-markers.css",
                replaces=(f"{CDNJS}/Leaflet.awesome-markers/2.0.2/leaflet.awesome-markers.css",),
            ),
            File("css/images/markers-soft.png"),
            File("css/images/markers-soft@2x.png"),
            File("css/images/markers-shadow.png"),
            File("css/images/markers-shadow@2x.png"),
        ),
        fetch="npm:drmonty-leaflet-awesome-markers@2.0.2",
        license_fetch="npm:leaflet.awesome-markers@2.0.5",
        note="Upstream lvoogdt 2.0.2 is on npm only as the drmonty-leaflet-awesome-markers "
        "mirror (no LICENSE file); the MIT LICENSE text comes from the upstream project's own "
        "npm package leaflet.awesome-markers@2.0.5.",
    ),
    Package(
        "@fortawesome/fontawesome-free",
        "6.2.0",
        "(CC-BY-4.0 AND OFL-1.1 AND MIT)",
        "LICENSE.txt",
        (
            File(
                "css/all.min.css",
                replaces=(f"{JSDELIVR}/npm/@fortawesome/fontawesome-free@6.2.0/css/all.min.css",),
                transform=woff2_only,
            ),
            File("webfonts/fa-brands-400.woff2"),
            File("webfonts/fa-regular-400.woff2"),
            File("webfonts/fa-solid-900.woff2"),
            File("webfonts/fa-v4compatibility.woff2"),
        ),
    ),
    Package(
        "folium",
        "0.20.0",
        "MIT",
        "LICENSE.txt",
        (
            File(
                "folium/templates/leaflet.awesome.rotate.css",
                dest="folium/templates/leaflet.awesome.rotate.min.css",
                replaces=(
                    f"{JSDELIVR}/gh/python-visualization/folium/folium/templates/"
                    "leaflet.awesome.rotate.min.css",
                ),
                transform=minify_css_whitespace,
            ),
        ),
        fetch="pypi:folium==0.20.0",
        note="Not in the folium wheel; taken from the folium sdist and whitespace-minified.",
    ),
    Package(
        "leaflet.fullscreen",
        "3.0.0",
        "MIT",
        "LICENSE",
        (
            File(
                "Control.FullScreen.js",
                replaces=(f"{JSDELIVR}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.min.js",),
            ),
            File(
                "Control.FullScreen.css",
                replaces=(f"{JSDELIVR}/npm/leaflet.fullscreen@3.0.0/Control.FullScreen.css",),
            ),
            File("icon-fullscreen.svg"),
        ),
        note="No .min.js in the package (the CDN minifies on the fly); the 8 kB source is used.",
    ),
    Package(
        "leaflet-measure",
        "2.1.7",
        "MIT",
        "LICENSE",
        (
            File(
                "dist/leaflet-measure.min.js",
                replaces=(
                    f"{JSDELIVR}/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.js",
                ),
            ),
            File(
                "dist/leaflet-measure.css",
                replaces=(
                    f"{JSDELIVR}/gh/ljagis/leaflet-measure@2.1.7/dist/leaflet-measure.min.css",
                ),
            ),
            *(
                File(f"dist/images/{n}{s}.png")
                for n in ("cancel", "check", "focus", "rulers", "start", "trash")
                for s in ("", "_@2X")
            ),
        ),
        note="No .min.css in the package (the CDN minifies on the fly); the 4 kB source is used.",
    ),
    Package(
        "leaflet-search",
        "2.9.7",
        "MIT",
        "license.txt",
        (
            File(
                "dist/leaflet-search.min.js",
                dest="js/leaflet-search.min.js",
                replaces=(f"{JSDELIVR}/npm/leaflet-search@2.9.7/dist/leaflet-search.min.js",),
            ),
            File(
                "dist/leaflet-search.min.css",
                dest="css/leaflet-search.min.css",  # its url(../images/...) still resolve
                replaces=(f"{JSDELIVR}/npm/leaflet-search@2.9.7/dist/leaflet-search.min.css",),
            ),
            File("images/search-icon.png"),
            File("images/loader.gif"),
        ),
    ),
    Package(
        "leaflet-groupedlayercontrol",
        "0.6.1",
        "MIT",
        "LICENSE.txt",
        (
            File(
                "dist/leaflet.groupedlayercontrol.min.js",
                replaces=(
                    f"{CDNJS}/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.js",
                ),
                transform=strip_sourcemap,
            ),
            File(
                "dist/leaflet.groupedlayercontrol.min.css",
                replaces=(
                    f"{CDNJS}/leaflet-groupedlayercontrol/0.6.1/leaflet.groupedlayercontrol.min.css",
                ),
            ),
        ),
    ),
    Package(
        "leaflet-gesture-handling",
        "1.2.2",
        "MIT",
        "LICENSE",
        (
            File("dist/leaflet-gesture-handling.min.js", transform=strip_sourcemap),
            File("dist/leaflet-gesture-handling.min.css"),
        ),
    ),
    Package(
        "leaflet-easybutton",
        "2.4.0",
        "MIT",
        "LICENSE",
        (File("src/easy-button.js"), File("src/easy-button.css")),
        note="The package ships only its (10 kB) source.",
    ),
    Package(
        "leaflet.vectorgrid",
        "1.3.0",
        "Beerware",
        "README.md",
        (File("dist/Leaflet.VectorGrid.bundled.min.js", transform=strip_sourcemap),),
        license_transform=legalese_section,
        note="Vector tiles (MVT) on the map for big layers; the bundled build carries pbf, "
        "vector-tile, geojson-vt and topojson (BSD/ISC). Loaded only on maps with a tiled layer.",
    ),
    Package(
        "axe-core",
        "4.10.3",
        "MPL-2.0",
        "LICENSE",
        (File("axe.min.js"),),
        note="Accessibility checker the browser tests inject into every page; no page loads it.",
    ),
)


# --------------------------------------------------------------------------- fetching


def _run(cmd: list[str], cwd: Path) -> str:
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{proc.stderr}")
    return proc.stdout


def fetch(spec: str, tmp: Path, cache: dict[str, tuple[dict[str, bytes], dict]]):
    """Return ({path inside package: bytes}, provenance) for an npm or PyPI sdist spec."""
    if spec in cache:
        return cache[spec]
    kind, _, what = spec.partition(":")
    dest = tmp / re.sub(r"[^\w.@=-]", "_", spec)
    dest.mkdir()
    if kind == "npm":
        out = _run(["npm", "pack", "--json", "--pack-destination", str(dest), what], dest)
        info = json.loads(out)[0]
        archive = dest / info["filename"]
        prov = {"npm": what, "tarball_integrity": info["integrity"]}
        strip = "package/"
    elif kind == "pypi":
        _run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--no-binary",
             ":all:", "-d", str(dest), what],
            dest,
        )  # fmt: skip
        (archive,) = dest.glob("*.tar.gz")
        digest = hashlib.sha256(archive.read_bytes()).hexdigest()
        prov = {"pypi_sdist": archive.name, "sdist_sha256": digest}
        strip = archive.name.removesuffix(".tar.gz") + "/"
    else:
        raise ValueError(spec)
    files: dict[str, bytes] = {}
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            if member.isfile() and member.name.startswith(strip):
                fobj = tar.extractfile(member)
                assert fobj is not None
                files[member.name[len(strip) :]] = fobj.read()
    cache[spec] = (files, prov)
    return cache[spec]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def build(out_dir: Path) -> dict:
    """Fetch everything and write the vendor tree into out_dir; return the manifest."""
    cache: dict[str, tuple[dict[str, bytes], dict]] = {}
    packages = []
    with tempfile.TemporaryDirectory(prefix="vendor-assets-") as tmpname:
        tmp = Path(tmpname)
        for pkg in PACKAGES:
            files, prov = fetch(pkg.spec, tmp, cache)
            root = out_dir / f"{pkg.name}@{pkg.version}"
            entries = []
            # No "dist/" directories: the repo's .gitignore ignores every dist/ (build output),
            # which would silently keep these files out of git. Packages whose files all sit
            # under dist/ lose that prefix; others name their dest explicitly.
            all_in_dist = all((f.dest or f.src).startswith("dist/") for f in pkg.files)
            for f in pkg.files:
                data = files[f.src]
                upstream = sha256(data)
                if f.transform is not None:
                    data = f.transform(data.decode("utf-8")).encode("utf-8")
                dest = f.dest or f.src
                if all_in_dist:
                    dest = dest.removeprefix("dist/")
                target = root / dest
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                entry: dict = {"file": dest, "sha256": sha256(data), "bytes": len(data)}
                if f.src != dest:
                    entry["from"] = f.src
                if f.transform is not None:
                    entry["transform"] = f.transform.__name__
                    entry["upstream_sha256"] = upstream
                if f.replaces:
                    entry["replaces"] = list(f.replaces)
                entries.append(entry)
            lic_files, _ = fetch(pkg.license_fetch, tmp, cache) if pkg.license_fetch else (files, 0)
            lic = lic_files[pkg.license_file]
            if pkg.license_transform is not None:
                lic = pkg.license_transform(lic.decode("utf-8")).encode("utf-8")
            (root / "LICENSE").write_bytes(lic)
            record: dict = {
                "package": pkg.name,
                "version": pkg.version,
                "license": pkg.license,
                "license_file": "LICENSE",
                "source": prov,
                "files": entries,
            }
            if pkg.license_fetch:
                record["license_source"] = f"{pkg.license_fetch} {pkg.license_file}"
            elif pkg.license_transform is not None:
                record["license_source"] = f"{pkg.license_file} ({pkg.license_transform.__name__})"
            if pkg.note:
                record["note"] = pkg.note
            packages.append(record)
    manifest = {
        "about": "Browser assets served by geoapp itself (no CDN). "
        "Generated by scripts/vendor_assets.py; do not edit by hand.",
        "packages": packages,
    }
    (out_dir / "MANIFEST.json").write_text(
        json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
        encoding="utf-8",
    )
    return manifest


def tree(path: Path) -> dict[str, str]:
    return {
        p.relative_to(path).as_posix(): sha256(p.read_bytes())
        for p in sorted(path.rglob("*"))
        if p.is_file()
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="rebuild in a temp dir and compare, write nothing"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="vendor-out-") as outname:
        out = Path(outname) / "vendor"
        out.mkdir()
        manifest = build(out)
        if args.check:
            want, have = tree(out), tree(VENDOR_DIR) if VENDOR_DIR.exists() else {}
            diff = sorted(k for k in want.keys() | have.keys() if want.get(k) != have.get(k))
            for k in diff:
                print(f"differs: {k}", file=sys.stderr)
            print("vendor tree up to date" if not diff else f"{len(diff)} file(s) differ")
            return 1 if diff else 0
        if VENDOR_DIR.exists():
            shutil.rmtree(VENDOR_DIR)
        shutil.copytree(out, VENDOR_DIR)
    total = sum(p.stat().st_size for p in VENDOR_DIR.rglob("*") if p.is_file())
    n = sum(len(p["files"]) for p in manifest["packages"])
    print(f"vendored {len(manifest['packages'])} packages, {n} files, {total} bytes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
