"""The five stability colours, from green (normal) to red (severe), and their order."""

from __future__ import annotations

from collections.abc import Iterable
from typing import get_args

from hub.rules.model import Colour

COLOURS: tuple[Colour, ...] = get_args(Colour)  # green, blue, yellow, orange, red


def rank(colour: Colour) -> int:
    """0 for green up to 4 for red."""
    return COLOURS.index(colour)


def worst(colours: Iterable[Colour]) -> Colour:
    """The most severe of `colours`; green when there are none."""
    return max(colours, key=rank, default="green")


def as_colour(value: str) -> Colour:
    """`value` as a Colour; ValueError if it is none of the five."""
    for colour in COLOURS:
        if value == colour:
            return colour
    raise ValueError(f"unknown colour {value!r}: use one of {', '.join(COLOURS)}")
