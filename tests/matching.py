"""Reading one value out of a page in a test."""

import re


def first_group(pattern: str, text: str) -> str:
    """Group 1 of the first match of `pattern` in `text`; the test fails, naming the pattern, without one."""
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} is not in the text"
    return match.group(1)
