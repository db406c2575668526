"""The demo's status line: rewritten in place on a terminal, plain lines now and then otherwise."""

from __future__ import annotations

import io

from stack.status_line import Status, StatusLine, format_status

BUSY = Status(rate=2.0, open_claims=30, oldest_open=3 * 3600 + 5, firing=["BridgeErrorRate"],
              confirmed=5, rejected=2, expired=1)  # fmt: skip
QUIET = Status(rate=0.5, open_claims=3, oldest_open=60, firing=[])


def test_the_line_names_rate_open_claims_oldest_and_alerts():
    assert format_status(BUSY) == (
        "2.00 claims/s | 30 open, oldest 3h5s | 5 confirmed, 2 rejected, 1 expired"
        " | firing: BridgeErrorRate"
    )


def test_what_prometheus_cannot_tell_yet_shows_as_a_dash():
    assert format_status(Status()) == (
        "- claims/s | - open, oldest - | 0 confirmed, 0 rejected, 0 expired | alerts -"
    )


def test_on_a_terminal_the_line_is_rewritten_in_place_and_ended_once():
    out = io.StringIO()
    line = StatusLine(out, tty=True)
    line.show(BUSY)
    line.show(QUIET)
    line.end()
    first, second = out.getvalue().split("\r")[1:]
    assert first == format_status(BUSY)
    # The shorter line is padded over the longer one before it; only the end adds a newline.
    assert second == format_status(QUIET).ljust(len(first)) + "\n"


def test_to_a_file_a_plain_line_goes_out_every_interval():
    out = io.StringIO()
    line = StatusLine(out, every=10, tty=False)
    for second in range(25):
        line.show(BUSY, now=float(second))
    line.end()
    assert out.getvalue() == (format_status(BUSY) + "\n") * 3
