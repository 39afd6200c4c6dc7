"""nbgrader's ClearSolutions, with answer cells released as ``q01 = ...`` instead of ``raise NotImplementedError()``.

A solution region at a cell's top level that ends by assigning one name (a quiz answer, a chosen
hyper-parameter) is released as that assignment to ``...``: the notebook then runs top to bottom
before it is answered, and the check below the cell can say "still unanswered" instead of failing
with a NameError. Regions inside functions keep nbgrader's stub, so calling an unwritten function
still says it is not implemented.
"""

from __future__ import annotations

import ast
import re

from nbgrader.preprocessors import ClearSolutions
from traitlets import Unicode


class ClearSolutionsWithAnswerStubs(ClearSolutions):
    answer_stub = Unicode("{name} = ...  # YOUR ANSWER HERE",
                          help="What replaces a top-level solution region that assigns {name}.").tag(config=True)

    def _replace_solution_region(self, cell, language):
        name = answered_name(cell.source, self.begin_solution_delimeter, self.end_solution_delimeter)
        if cell.cell_type != "code" or name is None:
            return super()._replace_solution_region(cell, language)
        stubs = self.code_stub
        self.code_stub = {**stubs, language: self.answer_stub.format(name=name)}
        try:
            return super()._replace_solution_region(cell, language)
        finally:
            self.code_stub = stubs


def answered_name(source: str, begin: str, end: str) -> str | None:
    """The name a cell's only solution region assigns last, when that region is top-level code."""
    regions = re.findall(rf"^([ \t]*)[^\n]*{re.escape(begin)}[^\n]*\n(.*?)^[^\n]*{re.escape(end)}",
                         source, re.MULTILINE | re.DOTALL)
    if len(regions) != 1 or regions[0][0]:
        return None
    try:
        body = ast.parse(regions[0][1]).body
    except SyntaxError:
        return None
    last = body[-1] if body else None
    if isinstance(last, ast.Assign) and len(last.targets) == 1 and isinstance(last.targets[0], ast.Name):
        return last.targets[0].id
    return None
