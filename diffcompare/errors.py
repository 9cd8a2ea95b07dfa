"""The exceptions every stage understands."""


class CaseError(ValueError):
    """A case is defined wrongly; raised when the case is defined, naming it."""


class Unsupported(Exception):
    """A method cannot do this cell; the message is the reason shown in the row."""


class Undefined(Unsupported):
    """The point has no real, finite derivative to score (log(x) at -1, 1/x at 0): no
    method can be right there, so no other reference may stand in."""


class UsageError(ValueError):
    """Bad user input: one line, naming the valid choices (exit 2 on the command line)."""


class Damaged(UserWarning):
    """A saved file, or a line of one, that cannot be read: skipped, and said so."""
