"""Validation problems: what is wrong, in which file, with which feature."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the data, named by file and (where there is one) feature or row."""

    file: str
    feature: str | None
    message: str
    what: str = ""  # what the id names; default "row" for CSV files, "feature" otherwise

    def __str__(self) -> str:
        kind = self.what or ("row" if self.file.endswith(".csv") else "feature")
        where = f"{self.file}: {kind} '{self.feature}'" if self.feature else self.file
        return f"{where}: {self.message}"


class DataError(Exception):
    """Raised with every problem found, so one run reports them all."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))
