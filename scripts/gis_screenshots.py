#!/usr/bin/env python3
"""Screenshots of the GIS workflows for docs/gis.md: download → QGIS → correct → send back.

    python scripts/gis_screenshots.py          # writes docs/img/gis-*.png

Works on a copy of the bundled data (nothing in data/ changes) with no basemap, served on a free
127.0.0.1 port. Two colleagues (李工 ``li``, 王工 ``wang``, role ``gis``) download the 城中村
layer; 李工 corrects two blocks and sends them back on the web import page; 王工's older file
then meets the conflict. QGIS itself is pictured when ``qgis`` and ``xvfb-run`` are installed
(Debian: ``apt-get install qgis python3-qgis xvfb`` — heavy, only for this script): the downloaded
project, and the corrected layer in edit mode. Pictures are squeezed with ``pngquant`` when it is
there. Look at every picture after running it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from geoapp.web import create_app  # noqa: E402

OUT = ROOT / "docs" / "img"
LAYER = "urban_villages"
PASSWORD = "pass-word-123"
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]

#: PyQGIS run inside QGIS (``--code``): optionally add and edit a layer, then grab the window.
GRAB = """
import os
from qgis.PyQt.QtCore import QTimer
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.utils import iface

def grab():
    iface.mainWindow().grab().save(os.environ["GRAB_OUT"])
    QgsApplication.instance().exit(0)

def ready():
    iface.mainWindow().showMaximized()
    edit = os.environ.get("GRAB_EDIT")
    if edit:
        layer = QgsVectorLayer(edit + "|layername=urban_villages", "villages_edit", "ogr")
        QgsProject.instance().addMapLayer(layer)
        iface.setActiveLayer(layer)
        layer.startEditing()
        fids = os.environ["GRAB_FIDS"].split(",")
        layer.selectByIds([f.id() for f in layer.getFeatures() if f["id"] in fids])
        canvas = iface.mapCanvas()
        canvas.zoomToSelected(layer)
        canvas.zoomScale(canvas.scale() * 1.2)
        canvas.refresh()
    QTimer.singleShot(10000, grab)

QTimer.singleShot(3000, ready)
"""


def serve(data: Path, pending: Path):
    """The app over ``data`` on a free port, with the two GIS colleagues; (server, base URL)."""
    from geoapp.store.accounts import add_user
    from geoapp.web.state import get_store

    app = create_app({"DATA_DIR": str(data), "BASEMAP": "none", "LOGIN_SLOWDOWN_SECONDS": 0,
                      "IMPORT_PENDING_DIR": str(pending)})  # fmt: skip
    with app.app_context():
        for name in ("li", "wang"):
            add_user(get_store(), name, "gis", "自然资源和规划局", PASSWORD, "admin")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def qgis_window(project: Path, out: Path, edit: Path | None = None, fids: str = "") -> bool:
    """A screenshot of the QGIS window with ``project`` open (and ``edit`` in edit mode)."""
    if not (shutil.which("qgis") and shutil.which("xvfb-run")):
        print("qgis or xvfb-run missing: no QGIS screenshot", file=sys.stderr)
        return False
    code = project.parent / "grab.py"
    code.write_text(GRAB, "utf-8")
    env = {**os.environ, "GRAB_OUT": str(out), "GRAB_EDIT": str(edit or ""), "GRAB_FIDS": fids}
    cmd = ["xvfb-run", "-a", "-s", "-screen 0 1280x800x24", "qgis", "--nologo",
           "--noversioncheck", "--noplugins", "--project", str(project), "--code", str(code)]  # fmt: skip
    subprocess.run(cmd, env=env, cwd=project.parent, capture_output=True, timeout=180, check=False)
    return out.exists()  # QGIS may abort on its way out under Xvfb, after the picture is saved


def corrections(download: Path, out: Path) -> Path:
    """李工's work in QGIS: 东库区块 redrawn from a survey, 周塘区块 moved 60 m east."""
    import pyogrio
    import shapely

    gdf = pyogrio.read_dataframe(download, layer=LAYER)
    i = gdf.index[gdf["id"] == "uv-dongku"][0]
    gdf.loc[i, "geometry"] = shapely.affinity.scale(gdf.loc[i, "geometry"], 1.1, 1.1)
    gdf.loc[i, ["accuracy", "geometry_source"]] = ["surveyed", "2024 年测绘成果 / 2024 survey"]
    j = gdf.index[gdf["id"] == "uv-zhoutang"][0]
    gdf.loc[j, "geometry"] = shapely.affinity.translate(gdf.loc[j, "geometry"], 60)
    pyogrio.write_dataframe(gdf, out, layer=LAYER)
    return out


def renamed(download: Path, out: Path) -> Path:
    """王工's edit of the morning's download: one English name."""
    import pyogrio

    gdf = pyogrio.read_dataframe(download, layer=LAYER)
    gdf.loc[gdf["id"] == "uv-xishantou", "name_en"] = "Xishantou block (phase 1)"
    pyogrio.write_dataframe(gdf, out, layer=LAYER)
    return out


def sign_in(browser, base: str, name: str):
    page = browser.new_page(**DESKTOP)
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def fetch(page, url: str, out: Path) -> Path:
    """A download, as the signed-in browser gets it."""
    answer = page.context.request.get(url)
    out.write_bytes(answer.body())
    return out


def upload(page, base: str, path: Path, shot: str | None = None) -> None:
    page.goto(f"{base}/import")
    page.set_input_files("#f-file", str(path))
    page.select_option("#f-layer", LAYER)
    if shot:
        page.screenshot(path=str(OUT / shot))
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    page.wait_for_timeout(1200)  # the map fits its bounds


def web_flow(browser, base: str, work: Path) -> None:
    """李工 sends his corrections on the web; 王工's older file meets the conflict."""
    li, wang = sign_in(browser, base, "li"), sign_in(browser, base, "wang")
    url = f"{base}/export/{LAYER}.gpkg?crs=EPSG:4549"
    mine = corrections(fetch(li, url, work / "li_4549.gpkg"), work / "villages_edit.gpkg")
    theirs = renamed(fetch(wang, url, work / "wang_4549.gpkg"), work / "wang_edit.gpkg")
    upload(li, base, mine, "gis-web-upload.png")
    li.screenshot(path=str(OUT / "gis-web-diff.png"), full_page=True)
    li.click("button:has-text('确认写入')")
    li.wait_for_selector("h1:has-text('已导入')")
    li.screenshot(path=str(OUT / "gis-web-done.png"))
    upload(wang, base, theirs)
    wang.check("input[name='choice-uv-dongku'][value='keep']")
    wang.screenshot(path=str(OUT / "gis-web-conflict.png"), full_page=True)


def project_download(page, base: str, work: Path) -> Path:
    """The QGIS project as 李工 downloads it before his corrections (project.zip, unpacked)."""
    bundle = fetch(page, f"{base}/export/project.zip?crs=EPSG:4549", work / "project.zip")
    with zipfile.ZipFile(bundle) as z:
        z.extractall(work / "qgis")
    return next((work / "qgis").rglob("*.qgz"))


def qgis_pictures(project: Path, work: Path) -> None:
    """The downloaded QGIS project, and 李工's corrected layer in edit mode over it."""
    qgis_window(project, OUT / "gis-qgis-project.png")
    qgis_window(project, OUT / "gis-qgis-edit.png", work / "villages_edit.gpkg",
                "uv-dongku,uv-zhoutang")  # fmt: skip


def squeeze() -> None:
    """Make the pictures small (pngquant, when installed)."""
    if shutil.which("pngquant"):
        for png in OUT.glob("gis-*.png"):
            subprocess.run(["pngquant", "--force", "--skip-if-larger", "--quality", "60-90",
                            "--ext", ".png", str(png)], check=False)  # fmt: skip


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="geoapp-gis-shots-") as tmp:
        work = Path(tmp)
        shutil.copytree(
            ROOT / "data", work / "data", ignore=shutil.ignore_patterns("store.sqlite*")
        )
        server, base = serve(work / "data", work / "pending")
        try:
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
                project = project_download(sign_in(browser, base, "li"), base, work)
                web_flow(browser, base, work)
                browser.close()
            qgis_pictures(project, work)
        finally:
            server.shutdown()
    squeeze()
    for png in sorted(OUT.glob("gis-*.png")):
        print(f"wrote {png.relative_to(ROOT)} ({png.stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()
