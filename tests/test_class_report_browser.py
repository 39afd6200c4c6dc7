"""The class report in a real browser: headless Chromium (Debian's, driven by Playwright) opens the page that
`dlcourse grade --html` wrote for the graded class, on a laptop, on a phone and printed. Nothing may be requested
beyond the file itself. Screenshots and the printed PDF are kept in test-artifacts/class-report/."""

from __future__ import annotations

from conftest import ROOT

ARTIFACTS = ROOT / "test-artifacts" / "class-report"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_the_report_reads_on_a_laptop_a_phone_and_printed(graded_classes, browser):
    report = graded_classes[2] / "report.html"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    requested = []
    for name, options in (("laptop", {"viewport": {"width": 1280, "height": 900}}), ("phone", PHONE)):
        context = browser.new_context(**options)
        context.route("**/*", lambda route: (requested.append(route.request.url), route.continue_()))
        page = context.new_page()
        page.goto(report.as_uri())
        charts = page.locator("img.chart")
        assert charts.count() == 3  # the comparison and one distribution per assignment
        assert all(page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)"))
        # nothing wider than the screen but the tables meant to scroll sideways
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        assert page.get_by_text("relu: keeps float32 input as float32", exact=True).is_visible()
        assert not page.get_by_text("q02: the answer is right").is_visible()  # folded: nobody failed it
        page.get_by_text("checks nobody failed").click()
        assert page.get_by_text("q02: the answer is right").is_visible()
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        if name == "laptop":
            page.emulate_media(media="print")
            assert page.evaluate("getComputedStyle(document.querySelector('nav')).display") == "none"
            page.pdf(path=str(ARTIFACTS / "printed.pdf"), format="A4", print_background=True)
        context.close()
    assert requested and all(url == report.as_uri() for url in requested), requested
    for name in ("laptop.png", "phone.png"):
        assert (ARTIFACTS / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (ARTIFACTS / "printed.pdf").read_bytes()[:5] == b"%PDF-"
