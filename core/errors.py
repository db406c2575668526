"""The errors a user can fix: the message says what was wrong and how to fix it.

``dictobs`` turns them into one line on standard error and a non-zero exit; every part raises
them, so they live here rather than in the command that reports them.
"""

from __future__ import annotations


class CLIError(Exception):
    """An error the user can fix; the message says what and how. Exit status 2 unless given."""

    def __init__(self, message: str, status: int = 2) -> None:
        super().__init__(message)
        self.status = status


def first_line(err: BaseException) -> str:
    """The first line of an error's message, or its type when it has none: enough for a one-line
    report (a YAML error's message goes on to quote the file).

    >>> first_line(ValueError("bad value\\n  in line 3")), first_line(KeyError())
    ('bad value', 'KeyError')
    """
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


class SettingsError(ValueError):
    """A setting has a value the pack cannot use; the message names the variable and the fix."""
