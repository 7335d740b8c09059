"""The HTML error page: the status in the page's language, what to do, and a way back.

Browsers asking for a page (``/``, ``/projects/<id>``, ``/progress``, ``/embed`` …) get this page
for a 4xx; API clients get the JSON shape (:mod:`geoapp.web.errors` decides which). The language
is the request's ``?lang=`` when it is ``zh`` or ``en`` (a bad ``lang`` must not make the error
page fail too), else ``DEFAULT_LANG``. The core's message is shown escaped, as a detail.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from flask import current_app, render_template, request
from werkzeug.datastructures import MultiDict

HEADINGS = {
    "zh": {
        400: ("请求有误", "链接中的某个参数无法识别。请检查链接，或从地图重新打开。"),
        404: ("找不到该页面", "该页面或项目不存在，可能链接有误或项目已更名。"),
        405: ("不支持该请求方式", "该地址只能浏览，不能提交。"),
        413: ("上传内容过大", "请缩小文件后重试。"),
        429: ("请求过于频繁", "请稍候一分钟再试。"),
        503: ("服务器繁忙", "正在处理其他请求，请几秒钟后再试。"),
    },
    "en": {
        400: ("Bad request", "A parameter in the link was not understood. Check the link, or open the page again from the map."),
        404: ("Page not found", "There is no such page or project; the link may be wrong or the project renamed."),
        405: ("Method not allowed", "This address can only be viewed, not submitted to."),
        413: ("Upload too large", "Make the file smaller and try again."),
        429: ("Too many requests", "Please wait a minute and try again."),
        503: ("The server is busy", "It is handling other requests; try again in a few seconds."),
    },
}  # fmt: skip
OTHER = {
    "zh": ("错误", "出现了问题，请返回地图。"),
    "en": ("Error", "Something went wrong; go back to the map."),
}
WORDS = {
    "zh": {"site": "永康规划一张图", "back": "返回地图", "progress": "进度总览", "detail": "详情："},
    "en": {"site": "Yongkang planning map", "back": "Back to the map", "progress": "Progress",
           "detail": "Detail: "},
}  # fmt: skip


def page_lang() -> str:
    """The error page's language: a valid ``?lang=``, else the configured default."""
    lang = request.args.get("lang", "")
    if lang in ("zh", "en"):
        return lang
    return "en" if current_app.config.get("DEFAULT_LANG") == "en" else "zh"


def render_error_page(status: int, message: str) -> str:
    """The page for ``status`` with ``message`` as its (escaped) detail."""
    lang = page_lang()
    heading, explanation = HEADINGS[lang].get(status, OTHER[lang])
    words = WORDS[lang]
    args = MultiDict(request.args)
    args["lang"] = "zh" if lang == "en" else "en"
    other_url = quote(request.path) + "?" + urlencode(list(args.items(multi=True)))
    return render_template(
        "error.html",
        lang=lang,
        status=status,
        heading=heading,
        explanation=explanation,
        detail=message,
        detail_label=words["detail"],
        site=words["site"],
        back=words["back"],
        progress=words["progress"],
        other_url=other_url,
        other_label="English" if lang == "zh" else "中文",
        static=request.script_root + "/static",  # no url_for: an untrusted Host has no adapter
    )
