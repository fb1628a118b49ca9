"""Shared scenarios: the inputs and the exact price snapshot behind a share link."""

from __future__ import annotations

import secrets

from django.db import models

# The shape of `inputs` and `prices`: bump it when either changes so old links can be migrated.
SCENARIO_FORMAT = 1


def new_slug() -> str:
    # 12 random bytes = 96 bits, 16 URL-safe characters: not guessable, short enough to paste.
    return secrets.token_urlsafe(12)


class Scenario(models.Model):
    """A scenario someone shared: read-only, recomputed from its own snapshot so it never changes."""

    slug = models.CharField(max_length=32, unique=True, default=new_slug, editable=False)
    inputs = models.JSONField(help_text="Every input, defaults filled in (Workload.to_dict()).")
    prices = models.JSONField(help_text="The price sheet used (PriceSheet.to_dict()).")
    price_version = models.CharField(max_length=200, blank=True)
    format_version = models.PositiveSmallIntegerField(default=SCENARIO_FORMAT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.slug} ({(self.inputs or {}).get('model', '?')}, {self.price_version})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("scenario", kwargs={"slug": self.slug})
