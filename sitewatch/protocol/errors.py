"""Errors of the wire protocol."""


class ProtocolError(ValueError):
    """A message does not follow wire protocol v1; the text is the dead-letter reason."""
