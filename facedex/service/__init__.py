"""The HTTP service: JSON API, web page, share links, access keys, opt-out."""

from facedex.service.app import create_app
from facedex.service.settings import ServiceSettings

__all__ = ["ServiceSettings", "create_app"]
