"""Settings of the vision service."""

from shared import ServiceSettings


class Settings(ServiceSettings):
    """The vision service serves no image resources yet; it only answers its probes."""
