"""What every row of the price table shares: its provenance, the table's today, the choices."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils import timezone

# Rows with no known start date (genai-prices lists a price without a date) start here.
FIRST_LISTED = "2000-01-01"
# A row not checked against its source for this long is flagged as stale in the admin and the footer.
STALE_AFTER = timedelta(days=90)
# How long an idle cached prefix survives: OpenAI's 24 hours, unless the table says otherwise.
DEFAULT_CACHE_TTL_MINUTES = 24 * 60


def today() -> date:
    """The table's today: rows dated before it are the frozen past."""
    return timezone.localdate()


class Source(models.TextChoices):
    GENAI_PRICES = "genai-prices", "Seeded from genai-prices"
    ADMIN = "admin", "Edited by an admin"
    IMPORT = "import", "Imported from a file"
    SPEC = "spec", "Seeded from the cost model"


class ServiceTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    FLEX = "flex", "Flex"
    FAST = "fast", "Fast (priority)"


class Encoding(models.TextChoices):
    O200K = "o200k_base", "o200k_base"
    CL100K = "cl100k_base", "cl100k_base"


class Provenance(models.Model):
    """Where a row comes from: a seed (with its version), an admin (who) or an imported file."""

    source = models.CharField(max_length=20, choices=Source, default=Source.ADMIN)
    source_version = models.CharField(max_length=50, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        abstract = True

    def edited_on(self) -> datetime | None:
        """When an admin last edited the row, for `describe_source`."""
        return None

    def describe_source(self) -> str:
        """Where the row comes from, for the admin and the sync report: tool and version, or who and when."""
        if self.source == Source.GENAI_PRICES:
            return f"genai-prices {self.source_version}".strip()
        if self.source == Source.ADMIN:
            who = self.edited_by.get_username() if self.edited_by is not None else "an admin"
            when = self.edited_on()
            return f"edited by {who}" + (f" on {when:%Y-%m-%d %H:%M} UTC" if when else "")
        if self.source == Source.IMPORT:
            return "imported from a file" + (f" ({self.source_version})" if self.source_version else "")
        return "seeded from the cost model"


def concrete_field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    """A model's own field by name (`_meta.get_field` also finds reverse relations, which are no column)."""
    field = model._meta.get_field(name)
    if not isinstance(field, models.Field):
        raise FieldDoesNotExist(f"{model.__name__}.{name} is a reverse relation, not a field of its own")
    return field


def within_utc_range(value: datetime) -> None:
    # An aware moment a year 9999 or 0001 offset pushes past Python's range cannot be stored.
    try:
        value.astimezone(UTC)
    except OverflowError:
        raise ValidationError(
            "Out of range: %(value)s is not between years 1 and 9999 in UTC.", params={"value": value}
        ) from None
