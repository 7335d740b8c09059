"""The code's shape, checked: small files and small functions (the core's freedom from Flask is
checked in test_docs.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "geoapp"
MODULES = sorted(PACKAGE.rglob("*.py"))
MAX_FILE_LINES = 600
MAX_FUNCTION_LINES = 50


def _name(path: Path) -> str:
    return str(path.relative_to(PACKAGE.parent))


def _functions(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            yield node


@pytest.mark.parametrize("path", MODULES, ids=_name)
def test_files_and_functions_are_small(path):
    text = path.read_text("utf-8")
    assert len(text.splitlines()) <= MAX_FILE_LINES, f"{_name(path)} holds more than one idea"
    long = [
        f"{f.name} ({f.end_lineno - f.lineno + 1} lines, line {f.lineno})"
        for f in _functions(ast.parse(text))
        if f.end_lineno - f.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert not long, f"{_name(path)}: functions over {MAX_FUNCTION_LINES} lines: {long}"
