"""Errors whose message is meant for the person using the bot: what is wrong and how to fix it.

Adapters turn them into a reply (or a CLI message) in one place; anything else is a bug and is
logged with its traceback.
"""


class PulseError(Exception):
    """Base of every error a user can act on."""


class NotFoundError(PulseError):
    """A channel, member or record the user named does not exist."""


class BadInputError(PulseError):
    """An argument, file or payload that cannot be used as given."""
