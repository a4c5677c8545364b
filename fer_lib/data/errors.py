"""Data errors that say where and what, and a collector for lenient loading.

Strict loading raises :class:`DataError` at the first bad item. Lenient loading
hands each bad item to a :class:`Problems` collector instead: the item is skipped,
and the file, row and reason are kept, counted and warned about, so nothing is
lost silently.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass
from os import PathLike


class DataError(ValueError):
    """A data file (and row, when there is one) that is not what was expected."""

    def __init__(self, file: str | PathLike, expected: str, *, row: int | None = None, found: str | None = None) -> None:
        self.file = str(file)
        self.row = row
        self.expected = expected
        self.found = found
        where = self.file if row is None else f"{self.file}, row {row}"
        message = f"{where}: expected {expected}"
        if found is not None:
            message += f"; found {found}"
        super().__init__(message)

    @property
    def reason(self) -> str:
        """The message without the location."""
        return f"expected {self.expected}" + ("" if self.found is None else f"; found {self.found}")


@dataclass(frozen=True)
class Problem:
    """One skipped item."""

    file: str
    row: int | None
    reason: str


class Problems:
    """Collects bad items: raises them when strict, records them when lenient."""

    def __init__(self, lenient: bool = False) -> None:
        self.lenient = lenient
        self.items: list[Problem] = []

    def __len__(self) -> int:
        return len(self.items)

    @property
    def count(self) -> int:
        return len(self.items)

    def add(self, error: DataError) -> None:
        """Raise ``error`` when strict; record it (and go on) when lenient."""
        if not self.lenient:
            raise error
        self.items.append(Problem(error.file, error.row, error.reason))

    def records(self) -> list[dict]:
        """The problems as plain dicts (file, row, reason)."""
        return [asdict(p) for p in self.items]

    def warn(self, what: str, stacklevel: int = 3) -> None:
        """Emit one warning with the count and the first few problems, if there are any."""
        if not self.items:
            return
        shown = "; ".join(f"{p.file}" + ("" if p.row is None else f" row {p.row}") + f": {p.reason}" for p in self.items[:5])
        more = f" (and {self.count - 5} more)" if self.count > 5 else ""
        warnings.warn(f"{what}: skipped {self.count} bad item(s): {shown}{more}", DataWarning, stacklevel=stacklevel)


class DataWarning(UserWarning):
    """Something in the data was skipped or excluded."""
