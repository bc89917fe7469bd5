"""Open a serial or USB-serial scanner for reading, with the standard library's termios only."""

from __future__ import annotations

import os
import termios
import tty


def baud_constant(baud: int) -> int:
    """termios' constant for a line speed, e.g. 9600 → termios.B9600."""
    speed = getattr(termios, f"B{baud}", None)
    if not isinstance(speed, int):
        raise ValueError(f"unsupported baud rate {baud}")
    return speed


def open_device(path: str, speed: int | None = None) -> int:
    """A non-blocking read descriptor on `path`; a tty is put in raw mode at `speed` if given.

    Raw mode: no echo back to the scanner, no line editing, no CR/LF translation. The
    receiver is enabled and modem lines ignored (CREAD, CLOCAL): a USB scanner has none.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NOCTTY | os.O_NONBLOCK)
    try:
        if os.isatty(fd):
            tty.setraw(fd, termios.TCSANOW)
            attributes = termios.tcgetattr(fd)
            attributes[2] |= termios.CREAD | termios.CLOCAL
            if speed is not None:
                attributes[4] = attributes[5] = speed
            termios.tcsetattr(fd, termios.TCSANOW, attributes)
    except (OSError, termios.error):
        os.close(fd)
        raise
    return fd
