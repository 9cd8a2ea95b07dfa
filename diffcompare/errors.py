"""The two exceptions every stage understands."""


class CaseError(ValueError):
    """A case is defined wrongly; raised when the case is defined, naming it."""


class Unsupported(Exception):
    """A method cannot do this cell; the message is the reason shown in the row."""
