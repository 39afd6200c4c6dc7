"""A student's markdown and outputs as formgrader shows them to the instructor: no markup of theirs runs there."""

from __future__ import annotations

from html.parser import HTMLParser
from urllib.parse import urlsplit

import nbformat
import pytest
from nbconvert.exporters import HTMLExporter
from nbgrader.server_extensions.formgrader import handlers
from traitlets.config import Config

from autograders.nbgrader_door.config import use_grading_engine

PNG = "data:image/png;base64,iVBORw0KGgo="
# what a student may write in a markdown cell, to run as the instructor once formgrader shows it
ATTACKS = [
    "[a](javascript:alert(1))", "[b](JaVaScRiPt:alert(1))", "[c]( javascript:alert(1))", "[d](java\tscript:alert(1))",
    '<a href=" javascript:alert(1)">e</a>', '<a href="&#106;avascript:alert(1)">f</a>',
    '<a href="&#x6A;avascript&colon;alert(1)">g</a>', '<a href="jav&#x09;ascript:alert(1)">h</a>',
    "[i](vbscript:msgbox)", "[j](data:text/html,<script>alert(1)</script>)", '<a href="data&#58;text/html,x">k</a>',
    "![l](data:image/svg+xml;base64,PHN2Zz4=)", "<svg onload=alert(1)>", '<iframe src="javascript:alert(1)"></iframe>',
    '<form action="/hub/api/users"><input name=x></form>', "<style>body{background:url(http://evil/)}</style>",
    "<img src=x onerror=alert(1)>", '<a href="#x" onclick="alert(1)">m</a>', '<input class="score" id="q01_answer">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>", '<div style="position:fixed;top:0">n</div>',
    '<object data="x.swf"></object>', '<base href="http://evil/">', "<details open ontoggle=alert(1)>",
    '<button class="btn btn-success full-credit">Full credit</button>', '<meta http-equiv="refresh" content="0;x">',
]
# and what a markdown answer needs to keep
KEPT = ["# My answer", "| a | b |\n|:--|--:|\n| 1 | 2 |", "[the paper](https://example.org/p)", f"![plot]({PNG})",
        "![saved](plot.png)", "Math: $\\sigma(z)$, *emphasis*, `code`"]


class Elements(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.fixture(scope="module")
def shown():
    """The elements of formgrader's page for a notebook with the attacks in markdown cells and in outputs."""
    config = Config()
    use_grading_engine(config)
    config.HTMLExporter.template_name = "formgrade"  # as formgrader sets it
    config.HTMLExporter.extra_template_basedirs = [handlers.template_path]
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell(text) for text in ATTACKS + KEPT]
    code = nbformat.v4.new_code_cell("show()")
    code.outputs = [nbformat.v4.new_output("display_data", data={
        "text/markdown": "\n\n".join(ATTACKS), "text/html": "".join(ATTACKS),
        "image/svg+xml": "<svg onload=alert(1)>", "application/javascript": "alert(1)"})]
    nb.cells.append(code)
    page, _ = HTMLExporter(config=config).from_notebook_node(
        nb, resources={"base_url": "", "index": 0, "total": 1, "notebook_id": "quiz"})
    parser = Elements()
    parser.feed(page.split('id="notebook-container"', 1)[1])  # the notebook, not formgrader's own page
    return parser.found


def test_no_script_event_frame_form_or_style_of_a_submission_reaches_the_page(shown):
    tags = {tag for tag, _ in shown}
    assert not tags & {"script", "iframe", "form", "input", "button", "style", "svg", "math", "object", "embed",
                       "base", "meta", "details", "link"}, tags
    for tag, attrs in shown:
        assert not [name for name in attrs if name.startswith("on") or name in ("style", "class", "id")
                    and tag not in ("div", "span", "pre", "a")], (tag, attrs)  # formgrader's own wrappers classed


def test_links_and_images_of_a_submission_lead_nowhere_that_runs(shown):
    urls = [(tag, attrs.get("href") or attrs.get("src")) for tag, attrs in shown if {"href", "src"} & set(attrs)]
    for tag, url in urls:
        scheme = urlsplit(url.strip().lower()).scheme
        assert scheme in ("", "http", "https", "mailto") or (tag == "img" and url.startswith(PNG)), (tag, url)


def test_markdown_keeps_its_headings_tables_links_and_images(shown):
    tags = [tag for tag, _ in shown]
    assert "h1" in tags and "table" in tags and "th" in tags
    assert ("a", {"href": "https://example.org/p"}) in shown
    assert ("img", {"alt": "plot", "src": PNG}) in shown and ("img", {"alt": "saved", "src": "plot.png"}) in shown
