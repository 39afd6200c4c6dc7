"""What a submission's markdown keeps when formgrader shows it to the instructor, and in feedback.

Why: formgrader renders a student's markdown to HTML on its own origin, where a script acts as the
instructor (formgrader's API, kernels and terminals of the grader account). nbconvert's ``SanitizeHTML``
cleans a markdown cell's *source*, but what markdown's own syntax makes (``[my plot](javascript:...)``,
``![x](data:text/html,...)``) only appears once it is rendered, and formgrader's template does not clean
the rendered HTML. So the rendered HTML itself is cleaned here, with bleach, against an allowlist: the
elements markdown makes, links to http(s) and mailto only, images from the web, the submission's folder or
embedded png/jpeg/gif/webp data; no script, style, form, frame, event handler, class or id (a student's
markup must not pass for formgrader's own buttons and fields). Whatever else is shown as text.
"""

from __future__ import annotations

import html
import re

import bleach
from jinja2 import pass_context
from traitlets.config import LoggingConfigurable

TAGS = frozenset({"a", "abbr", "b", "blockquote", "br", "code", "dd", "del", "div", "dl", "dt", "em", "h1", "h2",
                  "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "q", "s", "span",
                  "strong", "sub", "sup", "table", "tbody", "td", "tfoot", "th", "thead", "tr", "ul"})
ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "title", "width", "height"}, "abbr": {"title"},
              "td": {"colspan", "rowspan", "align"}, "th": {"colspan", "rowspan", "align"}, "ol": {"start"}}
# bleach drops any other scheme (javascript:, vbscript:, file: ...); data: is kept for images only (below)
PROTOCOLS = frozenset({"http", "https", "mailto", "data"})
_EMBEDDED_IMAGE = re.compile(r"data:image/(png|jpeg|gif|webp);base64,")
# what browsers ignore inside a URL's scheme (bleach strips the same before it reads one)
_IGNORED_IN_URLS = re.compile(r"[\x00-\x20\x7f-\xa0\s]+|[^\x00-\x7f]")


def _allowed(tag: str, name: str, value: str) -> bool:
    if name not in ATTRIBUTES.get(tag, ()):
        return False
    if name in ("href", "src"):
        url = _IGNORED_IN_URLS.sub("", html.unescape(value)).lower()
        if url.startswith("data:"):
            return tag == "img" and bool(_EMBEDDED_IMAGE.match(url))
    return True


_CLEANER = bleach.Cleaner(tags=TAGS, attributes=_allowed, protocols=PROTOCOLS, strip=False, strip_comments=True)


def clean(rendered: str) -> str:
    """``rendered`` HTML with only the allowed elements, attributes and URLs; the rest escaped, as text."""
    return _CLEANER.clean(rendered)


@pass_context  # Jinja passes the template's context (the cell, for its attachments) to instances of this
class CleanMarkdown2HTML(LoggingConfigurable):
    """The ``markdown2html`` filter of an HTML exporter: the exporter's own rendering, then :func:`clean`.

    Set as ``HTMLExporter.filters = {"markdown2html": CleanMarkdown2HTML}``; nbconvert makes one per exporter,
    with the exporter as its parent.
    """

    def __call__(self, context, source: str) -> str:
        return clean(self.parent.markdown2html(context, source))
