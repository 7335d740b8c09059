"""The one cache policy: bounded, keyed by everything that changes the output, single-flight."""

from __future__ import annotations

import threading
import time

import pytest

from geoapp.cache import Cache


def test_bounded_least_recently_used_out():
    cache = Cache(2)
    built = []
    for key in ("a", "b", "a", "c"):  # "a" used again: "b" is the oldest when "c" comes
        cache.get(key, lambda k=key: built.append(k) or k.upper())
    assert built == ["a", "b", "c"] and len(cache) == 2
    assert "a" in cache and "c" in cache and "b" not in cache


def test_concurrent_cold_requests_build_once():
    cache, calls, start = Cache(4), [], threading.Barrier(8)

    def build():
        calls.append(1)
        time.sleep(0.2)
        return "page"

    results = []

    def ask():
        start.wait()
        results.append(cache.get(("v1", "/embed"), build))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert calls == [1] and results == ["page"] * 8


def test_an_error_reaches_every_waiter_and_nothing_is_kept():
    cache = Cache(4)

    def broken():
        raise ValueError("no")

    with pytest.raises(ValueError):
        cache.get("k", broken)
    assert "k" not in cache and cache.get("k", lambda: 1) == 1


def test_pages_are_cached_per_data_version_and_host(app, client, monkeypatch):
    from geoapp.web import embed, pages

    built = []
    real = embed._embed_page
    monkeypatch.setattr(embed, "_embed_page", lambda view: built.append(view.title) or real(view))
    for i in range(pages.PAGE_CACHE_SIZE + 5):
        assert client.get(f"/embed?layers=parks&title=t{i}").status_code == 200
    assert len(built) == pages.PAGE_CACHE_SIZE + 5
    client.get(f"/embed?layers=parks&title=t{pages.PAGE_CACHE_SIZE + 4}")  # kept
    client.get("/embed?layers=parks&title=t0")  # the oldest: dropped, built again
    assert built[pages.PAGE_CACHE_SIZE + 5 :] == ["t0"]
    # the page links to itself (oEmbed discovery): another (trusted) host gets its own page
    other = client.get("/embed?layers=parks&title=t0", headers={"Host": "127.0.0.1"})
    assert "http://127.0.0.1/" in other.get_data(as_text=True) and built[-1] == "t0"
    assert len(built) == pages.PAGE_CACHE_SIZE + 7
