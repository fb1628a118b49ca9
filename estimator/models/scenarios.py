"""Shared scenarios: the inputs and the exact price snapshot behind a share link."""

from __future__ import annotations

import secrets

from django.db import models

# The shape of `inputs` and `prices`, and the cost model that prices them: bump it when either changes so
# old links can be migrated. 1: cost model version 1 (its result is stored in `result`); 2: version 2.
SCENARIO_FORMAT = 2
COST_MODEL_V1 = 1


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
    result = models.JSONField(
        null=True,
        blank=True,
        help_text="Format 1 only: the estimate as cost model version 1 computed it, shown as it was.",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.slug} ({(self.inputs or {}).get('model', '?')}, {self.price_version})"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("scenario", kwargs={"slug": self.slug})

    @property
    def priced_by_version_1(self) -> bool:
        return self.format_version == COST_MODEL_V1
