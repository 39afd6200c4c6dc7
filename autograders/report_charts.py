"""The class report's charts: matplotlib figures as SVG data URIs, so the page needs no file beside it.

SVG stays sharp printed and zoomed on a phone; its text is drawn as paths (no font to load) and
matplotlib's math syntax is off, so a ``$`` in an assignment's name is only a character.
"""

from __future__ import annotations

import base64
import io

_STYLE = {"svg.fonttype": "path", "svg.hashsalt": "dlcourse-report", "text.parse_math": False,
          "font.size": 9, "axes.spines.top": False, "axes.spines.right": False}
BAR, LINE = "#4c72b0", "#dd8452"


def _data_uri(fig) -> str:
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None}, bbox_inches="tight")
    plt.close(fig)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _figure(width: float, height: float):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(width, height))


def distribution(fractions: list[float]) -> str:
    """A histogram of scores as percentages of the points graded, in bins of 10 %."""
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        fig, ax = _figure(4.6, 2.0)
        ax.hist([100 * f for f in fractions], bins=range(0, 101, 10), color=BAR, edgecolor="white")
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the points graded")
        ax.set_ylabel("students")
        ax.yaxis.get_major_locator().set_params(integer=True)
        return _data_uri(fig)


def comparison(names: list[str], means: list[float | None], medians: list[float | None]) -> str:
    """Mean and median per assignment, in the course's order: how each compares with the ones before."""
    import matplotlib

    with matplotlib.rc_context(_STYLE):
        fig, ax = _figure(max(4.6, 0.75 * len(names)), 2.4)
        positions = range(len(names))
        ax.bar(positions, [100 * (m or 0) for m in means], color=BAR, label="mean")
        ax.plot(positions, [100 * m if m is not None else float("nan") for m in medians], "o", color=LINE,
                label="median")
        ax.set_xticks(list(positions), names, rotation=30, ha="right")
        ax.set_ylim(0, 100)
        ax.set_ylabel("% of the points graded")
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False, ncols=2)
        return _data_uri(fig)


def heat_colour(fraction: float) -> str:
    """A light background for a score (red low, blue high; light enough for black text, printed too)."""
    import matplotlib

    red, green, blue, _ = matplotlib.colormaps["RdYlBu"](max(0.0, min(1.0, fraction)))
    return "#" + "".join(f"{round(255 - 0.55 * (255 - 255 * c)):02x}" for c in (red, green, blue))
