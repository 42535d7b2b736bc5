"""The web page in real Chromium against a real uvicorn server on 127.0.0.1."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.service.conftest import REPO_ROOT, LiveServer

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = REPO_ROOT / "artifacts"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="browser tests need Debian's chromium "
        "at /usr/bin/chromium (apt-get install chromium)",
    ),
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield b
        b.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_search_share_and_optout(
    browser: Any, live_server: LiveServer, faces_dir: Path, identities: dict[str, int]
) -> None:
    # bypass_csp: lets the test evaluate its wait conditions; the page itself runs no eval
    ctx = browser.new_context(viewport={"width": 1200, "height": 900}, bypass_csp=True)
    page = ctx.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(live_server.url + "/")
    page.set_input_files("#file", str(faces_dir / "deepface" / "couple.jpg"))
    page.wait_for_selector(".box")
    assert page.locator(".box").count() == 2
    page.wait_for_selector("#grid li")
    # click the second face: the grid is replaced by that person's matches
    page.locator(".box").nth(1).click()
    page.wait_for_selector('.box[data-face="1"][aria-pressed="true"]')
    page.wait_for_function("document.querySelector('#grid li img').complete")
    first = page.locator("#grid li").first
    assert first.get_attribute("data-same-person") == "true"
    assert "couple.jpg" in (first.locator("a").get_attribute("title") or "")
    shot(page, "search-couple")

    # a single-person photo: the same-person matches are that person
    page.set_input_files("#file", str(faces_dir / "deepface" / "img1.jpg"))
    page.wait_for_function(  # the top match is the photo itself
        "(document.querySelector('#grid li a')?.title || '').endsWith('/img1.jpg')"
    )
    page.wait_for_function("document.querySelectorAll('#grid li').length >= 24")
    same = page.locator('#grid li[data-same-person="true"] a').evaluate_all(
        "els => els.map(e => e.title)"
    )
    labelled = [identities[Path(s).name] for s in same if Path(s).name in identities]
    assert labelled.count(0) >= max(3, int(0.6 * len(labelled))), labelled
    # scrolling to the end loads more
    n = page.locator("#grid li").count()
    page.mouse.wheel(0, 20000)
    page.wait_for_function(f"document.querySelectorAll('#grid li').length > {n}")
    shot(page, "search-results")

    page.click("#share")
    link = page.wait_for_selector("#sharehref").get_attribute("href")
    assert link and "/s/" in link
    ctx2 = browser.new_context(bypass_csp=True)
    other = ctx2.new_page()
    other.goto(link)
    other.wait_for_selector("#grid li")
    assert "Shared results" in other.inner_text("#results-title")
    assert other.locator('#grid li[data-same-person="true"]').count() >= 3
    other.wait_for_load_state("networkidle")
    shot(other, "share-link")
    ctx2.close()

    # opt-out of person 0, then search again: nobody of them left
    page.goto(live_server.url + "/opt-out")
    page.set_input_files("#photo", str(faces_dir / "deepface" / "img2.jpg"))
    page.check("#confirm")
    page.click("button[type=submit]")
    page.wait_for_selector("#status:has-text('removed')")
    assert "face(s) removed" in page.inner_text("#status")
    shot(page, "optout-done")
    page.goto(live_server.url + "/")
    page.set_input_files("#file", str(faces_dir / "deepface" / "img1.jpg"))
    page.wait_for_selector("#status:has-text('match')")
    page.wait_for_selector("#grid li")
    assert page.locator('#grid li[data-same-person="true"]').count() == 0
    assert not errors, errors
    ctx.close()
