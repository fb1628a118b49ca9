"""The request of a view that reads `request.htmx` (django-htmx's middleware sets it on every request)."""

from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxRequest(HttpRequest):
    htmx: HtmxDetails
