"""The class report as one self-contained HTML page: what an instructor reads in the minute after a deadline.

The page leads with what needs action (students at risk, the mistakes the class makes, with the words
students got and how many got them) and keeps what does not (checks nobody failed) folded away. It
loads nothing: charts are data URIs, the style is inline, there is no script, and its own
Content-Security-Policy forbids anything else. Every name and message may come from a submission, so
each goes through ``plain_text.plain`` (no control characters, bounded) and is HTML-escaped here; links
are built by the caller as relative URLs. The layout is CSS only: one column on a phone, wide tables
scroll sideways, colours kept and navigation dropped when printed.
"""

from __future__ import annotations

import html
from datetime import datetime, timezone

from . import report_charts
from .analytics import AT_RISK_BELOW, AssignmentStats, CheckStats, ClassAnalytics, Submission, mean, median
from .plain_text import plain

TOP_CHECKS = 5  # the checks shown open per assignment; the others are folded
TOP_MESSAGES = 3  # message groups shown per check
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; form-action 'none'; base-uri 'none'"
_STYLE = """
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d1d1d;max-width:66rem;margin:0 auto;
padding:1rem}
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.25rem;margin-top:2.2rem;border-bottom:2px solid #ddd}
h3{font-size:1.05rem;margin:1.2rem 0 .4rem}
nav{display:flex;flex-wrap:wrap;gap:.3rem .9rem;margin:.6rem 0}
.scroll{overflow-x:auto;max-width:100%}
table{border-collapse:collapse;margin:.4rem 0}
th,td{border:1px solid #ccc;padding:.25rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
td.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
td.heat{text-align:center;white-space:nowrap;font-variant-numeric:tabular-nums}
td.missing{background:#fff;color:#8a1c1c;font-style:italic}
.mark{font-size:.8em;font-weight:bold;margin-left:.2em}
.late{color:#8a3b00}.pending{color:#1f4e8a}.error{color:#8a1c1c}
.msg{font-family:ui-monospace,Menlo,Consolas,monospace;font-size:.88em;overflow-wrap:anywhere}
.muted{color:#555}
img.chart{display:block;max-width:100%;height:auto}
ol.checks>li{margin-bottom:1rem}
details{margin:.6rem 0}summary{cursor:pointer}
@media (max-width:40rem){body{font-size:14px;padding:.5rem}th,td{padding:.2rem .3rem}}
@media print{nav,summary{display:none}body{max-width:none;font-size:10.5pt;padding:0}
section{break-inside:avoid-page}h2{break-after:avoid}a{color:inherit;text-decoration:none}
*{print-color-adjust:exact;-webkit-print-color-adjust:exact}}
"""


def text(value) -> str:
    """A string from anywhere, safe as HTML text or a quoted attribute."""
    return html.escape(plain(value))


def _percent(fraction: float | None) -> str:
    return "–" if fraction is None else f"{100 * fraction:.0f}%"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _link(href: str | None, label: str) -> str:
    return f'<a href="{html.escape(href)}">{label}</a>' if href else label


def render(data: ClassAnalytics, title: str) -> str:
    generated = datetime.now(timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M")
    ids = {a.name: f"a{i}" for i, a in enumerate(data.collected, 1)}  # sections of assignments collected only
    nav = "".join(f'<a href="#{ids[a.name]}">{text(a.name)}</a>' for a in data.collected)
    parts = [
        "<!doctype html><html lang=en><head><meta charset=utf-8>",
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">',
        '<meta name=viewport content="width=device-width,initial-scale=1">',
        f"<title>{text(title)}</title><style>{_STYLE}</style></head><body>",
        f"<h1>{text(title)}</h1>",
        f"<p class=muted>{_count(len(data.students), 'student')}, {_count(len(data.assignments), 'assignment')}; "
        f"made {generated}.</p>",
        '<nav><a href="#overview">overview</a><a href="#at-risk">at risk</a><a href="#students">students</a>',
        f"{nav}</nav>",
        _overview(data, ids), _at_risk(data), _students(data, ids),
        *(_assignment(data, a, ids[a.name]) for a in data.collected),
        "</body></html>",
    ]
    return "\n".join(parts)


def _overview(data: ClassAnalytics, ids) -> str:
    if not data.assignments:
        return '<section id=overview><h2>Overview</h2><p>Nothing has been graded yet.</p></section>'
    with_due = any(a.due for a in data.assignments)
    head = "<tr><th>assignment</th>" + ("<th>due</th>" if with_due else "") + (
        "<th>submitted</th><th>late</th><th>mean</th><th>median</th><th>manual pending</th><th>not graded</th></tr>")
    rows = []
    for a in data.assignments:
        fractions, subs = a.fractions(), a.submissions.values()
        due = f"<td class=n>{a.due:%Y-%m-%d %H:%M}</td>" if a.due else "<td></td>"
        name = _link(f"#{ids[a.name]}", text(a.name)) if a.name in ids else text(a.name)
        rows.append(
            f"<tr><td>{name}</td>" + (due if with_due else "")
            + (f"<td class=n>{len(a.submissions)} of {len(data.students)}</td>" if a.collected
               else "<td class=muted>not yet collected</td>")
            + f"<td class=n>{sum(s.seconds_late > 0 for s in subs)}</td>"
            + f"<td class=n>{_percent(mean(fractions))}</td><td class=n>{_percent(median(fractions))}</td>"
            + f"<td class=n>{sum(s.manual_pending > 0 for s in subs)}</td>"
            + f"<td class=n>{sum(s.error is not None for s in subs)}</td></tr>")
    chart, collected = "", data.collected
    if collected:
        uri = report_charts.comparison([plain(a.name, 40) for a in collected], [mean(a.fractions()) for a in collected],
                                       [median(a.fractions()) for a in collected])
        chart = f'<img class=chart src="{uri}" alt="mean and median score of each assignment collected, in order">'
    return (f"<section id=overview><h2>Overview</h2><div class=scroll><table>{head}{''.join(rows)}</table></div>{chart}"
            "<p class=muted>Percentages are of the points graded so far: points waiting for a manual grade in "
            "formgrader are left out until they are given.</p></section>")


def _at_risk(data: ClassAnalytics) -> str:
    found = data.at_risk()
    if not found:
        return "<section id=at-risk><h2>Students at risk</h2><p>Nobody: everyone submitted everything and " \
               f"averages at least {_percent(AT_RISK_BELOW)}.</p></section>"
    rows = "".join(f"<tr><td>{text(r.student)}</td><td class=n>{_percent(r.average)}</td>"
                   f"<td>{text(', '.join(r.missing)) or '–'}</td></tr>" for r in found)
    return ("<section id=at-risk><h2>Students at risk</h2><p>Who missed a submission or averages under "
            f"{_percent(AT_RISK_BELOW)} of the points graded, the weakest first.</p><div class=scroll><table>"
            f"<tr><th>student</th><th>average</th><th>no submission for</th></tr>{rows}</table></div></section>")


def _students(data: ClassAnalytics, ids) -> str:
    head = "".join(f'<th><a href="#{ids[a.name]}">{text(a.name)}</a></th>' for a in data.collected)
    rows = []
    for student in data.students:
        cells = "".join(_heat_cell(a.submissions.get(student)) for a in data.collected)
        rows.append(f"<tr><td>{text(student)}</td>{cells}<td class=n>{_percent(data.average(student))}</td></tr>")
    return ("<section id=students><h2>Students</h2><p class=muted>Points per assignment, coloured from red (none) "
            "to blue (all). <span class='mark late'>late</span> submitted after the due date; "
            "<span class='mark pending'>+N</span> points wait for a manual grade; "
            "<span class='mark error'>not graded</span> the grader could not grade it (see the assignment); <i>none</i>: no submission.</p>"
            f"<div class=scroll><table class=heat><tr><th>student</th>{head}<th>average</th></tr>"
            f"{''.join(rows)}</table></div></section>")


def _heat_cell(submission: Submission | None) -> str:
    if submission is None:
        return "<td class='heat missing'>none</td>"
    fraction = submission.fraction
    colour = f' style="background:{report_charts.heat_colour(fraction)}"' if fraction is not None else ""
    label = f"{submission.score:g} / {submission.graded_max:g}"
    if submission.manual_pending:
        label += f"<span class='mark pending'>+{submission.manual_pending:g}</span>"
    if submission.seconds_late > 0:
        label += f"<span class='mark late' title='{_late(submission.seconds_late)}'>late</span>"
    if submission.error:
        label += "<span class='mark error'>not graded</span>"
    return f"<td class=heat{colour}>{_link(submission.link, label)}</td>"


def _late(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h late" if seconds >= 3600 else f"{seconds / 60:.0f} min late"


def _assignment(data: ClassAnalytics, a: AssignmentStats, anchor: str) -> str:
    fractions, subs = a.fractions(), list(a.submissions.values())
    late = sum(s.seconds_late > 0 for s in subs)
    pending = sum(s.manual_pending > 0 for s in subs)
    summary = [f"{len(subs)} of {_count(len(data.students), 'student')} submitted"
               + (f", {late} late" if late else "") + (f", {pending} with manual points pending" if pending else "")]
    if fractions:
        summary.append(f"mean {_percent(mean(fractions))}, median {_percent(median(fractions))} of the points graded")
    if previous := data.previous(a):
        summary.append(f"the assignment before, {text(previous.name)}: mean {_percent(mean(previous.fractions()))}")
    if a.due:
        summary.append(f"due {a.due:%Y-%m-%d %H:%M}")
    parts = [f"<section id={anchor}><h2>{text(a.name)}</h2><p>{'; '.join(summary)}.</p>"]
    if fractions:
        parts.append(f'<img class=chart src="{report_charts.distribution(fractions)}" '
                     f'alt="distribution of the scores of {text(a.name)}">')
    parts.append(_checks(a))
    broken = sorted((student, s.error) for student, s in a.submissions.items() if s.error)
    if broken:
        parts.append("<h3>Not graded normally</h3><ul>" + "".join(
            f"<li>{text(student)}: <span class=msg>{text(error)}</span></li>" for student, error in broken) + "</ul>")
    missing = [s for s in data.students if s not in a.submissions]
    if missing:
        parts.append(f"<p><b>No submission</b> ({len(missing)}): {text(', '.join(missing))}</p>")
    parts.append("</section>")
    return "\n".join(parts)


def _checks(a: AssignmentStats) -> str:
    failed, passed = a.failed_checks(), a.passed_by_all()
    if not failed and not passed:
        return ""
    parts = ["<h3>Checks failed most</h3>"]
    if failed:
        parts.append("<ol class=checks>" + "".join(_check(c) for c in failed[:TOP_CHECKS]) + "</ol>")
    else:
        parts.append("<p>Every submission passed every hidden check.</p>")
    if rest := failed[TOP_CHECKS:]:
        parts.append(f"<details><summary>{len(rest)} more checks failed by fewer</summary><ul>" + "".join(
            f"<li>{text(c.name)} <span class=muted>({text(c.grade_id)})</span>: {len(c.failures)} of {c.runs}</li>"
            for c in rest) + "</ul></details>")
    if passed:
        parts.append(f"<details><summary>{len(passed)} checks nobody failed</summary><ul>" + "".join(
            f"<li>{text(c.name)} <span class=muted>({text(c.grade_id)})</span></li>" for c in passed)
            + "</ul></details>")
    return "\n".join(parts)


def _check(check: CheckStats) -> str:
    groups = check.message_groups()
    rows = "".join(
        f"<tr><td class=n>{g.count}</td><td class=msg>{text(g.example.message) or '<i>no message</i>'}</td>"
        f"<td>{_link(g.example.link, text(g.example.student))}</td></tr>" for g in groups[:TOP_MESSAGES])
    more = sum(g.count for g in groups[TOP_MESSAGES:])
    if more:
        rows += f"<tr><td class=n>{more}</td><td colspan=2 class=muted>with other messages</td></tr>"
    return (f"<li><b>{text(check.name)}</b> <span class=muted>({text(check.grade_id)})</span>: failed by "
            f"{len(check.failures)} of {check.runs} submissions<div class=scroll><table>"
            f"<tr><th>students</th><th>message they got</th><th>e.g.</th></tr>{rows}</table></div></li>")
