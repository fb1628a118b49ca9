"""The editable price table.

Prices are never overwritten: a change is a new row with its own `effective_from`, and the row in force
on a date is the latest one of its series (a model and service tier, or a fee key) that started on or
before it (`DatedRow.objects.in_force(on)`). That keeps every past estimate reproducible.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any, ClassVar, Self

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Exists, OuterRef
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
            who = self.edited_by.get_username() if self.edited_by_id else "an admin"
            when = self.edited_on()
            return f"edited by {who}" + (f" on {when:%Y-%m-%d %H:%M} UTC" if when else "")
        if self.source == Source.IMPORT:
            return "imported from a file" + (f" ({self.source_version})" if self.source_version else "")
        return "seeded from the cost model"


def _within_utc_range(value: datetime) -> None:
    # An aware moment a year 9999 or 0001 offset pushes past Python's range cannot be stored.
    try:
        value.astimezone(timezone.UTC)
    except OverflowError:
        raise ValidationError(
            "Out of range: %(value)s is not between years 1 and 9999 in UTC.", params={"value": value}
        ) from None


class LanguageModel(Provenance):
    """A model in the price table: its context window, input limit, cache lifetime and lifecycle."""

    id = models.CharField("model id", max_length=100, primary_key=True)
    name = models.CharField(max_length=200, blank=True)
    family = models.CharField("provider family", max_length=50, blank=True, db_index=True)
    context_window = models.PositiveIntegerField("context window (tokens)", validators=[MinValueValidator(1)])
    max_input_tokens = models.PositiveIntegerField(
        "input limit (tokens)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1)],
        help_text="The most input one call may send, when below the window (empty: the whole window).",
    )
    cache_ttl_minutes = models.PositiveIntegerField(
        "prompt cache lifetime (minutes)",
        default=DEFAULT_CACHE_TTL_MINUTES,
        validators=[MinValueValidator(1)],
        help_text="How long an idle cached prefix survives between calls.",
    )
    encoding = models.CharField("tokenizer", max_length=20, choices=Encoding, default=Encoding.O200K)
    shutdown_date = models.DateField("shut down on", null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    is_default = models.BooleanField(
        "default model", default=False, help_text="The model an estimate uses when none is named."
    )
    # Who set each group of facts: empty until seeded. Sync re-seeds only what it seeded itself, never a
    # value an admin or an import set.
    lifecycle_source = models.CharField(
        "lifecycle set by", max_length=20, choices=Source, blank=True, default=""
    )
    limits_source = models.CharField(
        "input limit and cache lifetime set by", max_length=20, choices=Source, blank=True, default=""
    )
    default_source = models.CharField(
        "default chosen by", max_length=20, choices=Source, blank=True, default=""
    )
    edited_at = models.DateTimeField("last edited in the admin", null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]
        verbose_name = "model"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_model"
            )
        ]

    def __str__(self) -> str:
        return self.id

    def edited_on(self) -> datetime | None:
        return self.edited_at

    def is_shut_down(self, on: date) -> bool:
        return self.shutdown_date is not None and self.shutdown_date <= on

    def clean(self) -> None:
        errors: dict[str, list[str]] = {}
        if self.successor_id is not None and self.successor_id == self.id:
            errors["successor"] = ["A model cannot be its own successor."]
        elif self.successor_id is not None:
            seen = {self.id}
            step = LanguageModel.objects.filter(pk=self.successor_id).first()
            while step is not None:
                if step.pk in seen:
                    errors["successor"] = [f"Successor {self.successor_id} leads back to {self.id}: a cycle."]
                    break
                seen.add(step.pk)
                step = step.successor
        if self.successor_id is not None and self.shutdown_date is None:
            errors.setdefault("shutdown_date", []).append(
                "A successor only makes sense with a shutdown date: set the date too."
            )
        if None not in (self.max_input_tokens, self.context_window) and (
            self.max_input_tokens > self.context_window
        ):
            errors["max_input_tokens"] = [
                f"Cannot be above the context window ({self.context_window:,} tokens): leave it empty "
                "for the whole window."
            ]
        if errors:
            raise ValidationError(errors)


class PriceHistoryError(ValueError):
    """Raised on saving new numbers or a new date into a saved price row: history is never overwritten."""


# Inside `series_snapshot()`: per row class, each series' start dates as they were when it began.
_snapshot: ContextVar[dict[type, dict[tuple, set[date]]] | None] = ContextVar("series_snapshot", default=None)


@contextmanager
def series_snapshot(*row_classes: type[DatedRow]) -> Iterator[None]:
    """Validate dated rows against the table as it is now, read in one query per class.

    Bulk writers (import, sync) validate thousands of rows before writing any: inside this block
    `DatedRow.clean()` looks each row's series up here instead of asking the database once per row, and a
    series the writer adds on the way is not "already priced" (it was not when the writer started).
    """
    token = _snapshot.set({cls: cls.objects.series_dates() for cls in row_classes})
    try:
        yield
    finally:
        _snapshot.reset(token)


class DatedRowQuerySet(models.QuerySet):
    def _later_rows(self, on: date) -> models.QuerySet:
        """Rows of the outer row's series that start after it, on or before `on`."""
        return self.model.objects.filter(
            **{name: OuterRef(name) for name in self.model.SERIES_FIELDS},
            effective_from__gt=OuterRef("effective_from"),
            effective_from__lte=on,
        )

    def in_force(self, on: date) -> Self:
        """The row of each series in force on `on`: the latest one that started on or before it."""
        return self.filter(effective_from__lte=on).exclude(Exists(self._later_rows(on)))

    def with_superseded(self, on: date) -> Self:
        """Annotate `superseded`: a later row of the same series is in force on `on`."""
        return self.annotate(superseded=Exists(self._later_rows(on)))

    def series_dates(self) -> dict[tuple, set[date]]:
        """Per series key, the start dates of its rows (one query)."""
        dates: dict[tuple, set[date]] = {}
        names = [self.model._meta.get_field(name).attname for name in self.model.SERIES_FIELDS]
        for *series, day in self.values_list(*names, "effective_from"):
            dates.setdefault(tuple(series), set()).add(day)
        return dates


class DatedRow(Provenance):
    """A row in force from `effective_from` until the next row of its series; once saved, its numbers and
    date never change, and a new row never starts in the past of a series already priced."""

    # The fields naming the series (a model and tier, a fee key) and its label in messages.
    SERIES_FIELDS: ClassVar[tuple[str, ...]] = ()
    # The fields that decide what an estimate costs; `note` and `checked_at` may still be updated.
    FROZEN_FIELDS: ClassVar[tuple[str, ...]] = ()

    effective_from = models.DateField(default=FIRST_LISTED)
    note = models.CharField(
        "reason for the change", max_length=300, blank=True, help_text="Where the new price comes from."
    )
    created_at = models.DateTimeField(auto_now_add=True, validators=[_within_utc_range])
    checked_at = models.DateTimeField(
        "last checked against the source", null=True, blank=True, validators=[_within_utc_range]
    )

    objects = DatedRowQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self.pk is not None:
            stored = type(self).objects.filter(pk=self.pk).values(*self.FROZEN_FIELDS).first()
            changed = [name for name in self.FROZEN_FIELDS if stored and stored[name] != getattr(self, name)]
            if changed:
                raise PriceHistoryError(
                    f"{self}: {', '.join(changed)} of a saved row cannot change (it may have priced "
                    "estimates); add a new row from a date instead."
                )
        super().save(*args, **kwargs)

    def edited_on(self) -> datetime | None:
        return self.created_at

    def series_key(self) -> tuple:
        return tuple(getattr(self, self._meta.get_field(name).attname) for name in self.SERIES_FIELDS)

    def series_label(self) -> str:
        """How messages name the series: "gpt-4.1 standard", "file_search_per_kcalls"."""
        return " ".join(str(part) for part in self.series_key())

    def later_rows(self) -> DatedRowQuerySet:
        """Rows of the same series scheduled after this one."""
        series = dict(zip(self.SERIES_FIELDS, self.series_key(), strict=True))
        return type(self).objects.filter(**series, effective_from__gt=self.effective_from)

    def _other_dates(self) -> set[date]:
        """The start dates of the other rows of this row's series (from the snapshot when there is one)."""
        snapshot = _snapshot.get()
        if snapshot is not None and type(self) in snapshot:
            return snapshot[type(self)].get(self.series_key(), set()) - (
                set() if self._state.adding else {self.effective_from}
            )
        series = dict(zip(self.SERIES_FIELDS, self.series_key(), strict=True))
        return set(
            type(self).objects.filter(**series).exclude(pk=self.pk).values_list("effective_from", flat=True)
        )

    def date_errors(self) -> dict[str, list[str]]:
        """The two rules on a row's date: one row per series and day, and the frozen past."""
        if self.effective_from is None or None in self.series_key() or "" in self.series_key():
            return {}
        dates = self._other_dates()
        if self.effective_from in dates:
            return {"effective_from": [self.clash_message()]}
        if self._state.adding and dates and self.effective_from < today():
            return {
                "effective_from": [
                    f"{self.effective_from} is before today and the table already prices "
                    f"{self.series_label()}: a row from that date would re-price estimates already made "
                    "for it. Pick today or a later date."
                ]
            }
        return {}

    def clash_message(self) -> str:
        return f"{self.series_label()} already has a row from {self.effective_from}: pick another date."

    def value_errors(self) -> dict[str, list[str]]:
        """Errors in the row's own numbers (subclasses)."""
        return {}

    def clean(self) -> None:
        errors = self.value_errors()
        for name, messages in self.date_errors().items():
            errors.setdefault(name, []).extend(messages)
        if errors:
            raise ValidationError(errors)


def _negative_price_errors(instance: models.Model, names: tuple[str, ...]) -> dict[str, list[str]]:
    return {
        name: ["Must be 0 or more (USD)."]
        for name in names
        if getattr(instance, name) is not None and Decimal(getattr(instance, name)) < 0
    }


def _usd_per_mtok(label: str, **options: Any) -> models.DecimalField:
    return models.DecimalField(label, max_digits=12, decimal_places=6, **options)


class TokenPrice(DatedRow):
    """USD per 1M tokens for one model and service tier, from `effective_from` until the next row."""

    model = models.ForeignKey(LanguageModel, on_delete=models.CASCADE, related_name="prices")
    service_tier = models.CharField(max_length=10, choices=ServiceTier, default=ServiceTier.STANDARD)
    input_per_mtok = _usd_per_mtok("USD per 1M input tokens")
    cached_input_per_mtok = _usd_per_mtok("USD per 1M cached input tokens", null=True, blank=True)
    cache_write_per_mtok = _usd_per_mtok("USD per 1M cache-write tokens", null=True, blank=True)
    output_per_mtok = _usd_per_mtok("USD per 1M output tokens")
    long_context_threshold = models.PositiveIntegerField(
        "long-context threshold (input tokens)",
        null=True,
        blank=True,
        help_text="Above this many input tokens the long-context prices apply to the whole call.",
    )
    long_context_input_per_mtok = _usd_per_mtok(
        "long context: USD per 1M input tokens", null=True, blank=True
    )
    long_context_cached_input_per_mtok = _usd_per_mtok(
        "long context: USD per 1M cached input tokens", null=True, blank=True
    )
    long_context_cache_write_per_mtok = _usd_per_mtok(
        "long context: USD per 1M cache-write tokens", null=True, blank=True
    )
    long_context_output_per_mtok = _usd_per_mtok(
        "long context: USD per 1M output tokens", null=True, blank=True
    )

    BASE_PRICE_FIELDS = ("input_per_mtok", "cached_input_per_mtok", "cache_write_per_mtok", "output_per_mtok")
    LONG_CONTEXT_FIELDS = tuple(f"long_context_{name}" for name in BASE_PRICE_FIELDS)
    PRICE_FIELDS = (*BASE_PRICE_FIELDS, *LONG_CONTEXT_FIELDS)
    SERIES_FIELDS = ("model", "service_tier")
    FROZEN_FIELDS = ("model_id", "service_tier", "effective_from", *PRICE_FIELDS, "long_context_threshold")

    class Meta:
        ordering = ["model_id", "service_tier", "effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["model", "service_tier", "effective_from"], name="one_token_price_per_day"
            )
        ]
        indexes = [models.Index(fields=["model", "service_tier", "-effective_from"])]

    def __str__(self) -> str:
        return f"{self.model_id} {self.service_tier} from {self.effective_from}"

    def clash_message(self) -> str:
        return (
            f"{self.model_id} already has a {self.service_tier} price effective from "
            f"{self.effective_from}: pick another date."
        )

    def value_errors(self) -> dict[str, list[str]]:
        errors = _negative_price_errors(self, self.PRICE_FIELDS)
        for cached, full in (
            ("cached_input_per_mtok", "input_per_mtok"),
            ("long_context_cached_input_per_mtok", "long_context_input_per_mtok"),
        ):
            cached_value, full_value = getattr(self, cached), getattr(self, full)
            if errors.keys().isdisjoint((cached, full)) and None not in (cached_value, full_value):
                if Decimal(cached_value) > Decimal(full_value):
                    errors[cached] = [f"A cached input price cannot be above the input price ({full_value})."]
        if self.long_context_threshold is not None and self.long_context_threshold < 1:
            errors["long_context_threshold"] = ["Must be at least 1 token."]
        for name in self.LONG_CONTEXT_FIELDS:
            base = name.removeprefix("long_context_")
            present, base_present = getattr(self, name) is not None, getattr(self, base) is not None
            if self.long_context_threshold is None:
                message = "Needs a long-context threshold, or leave it empty." if present else None
            elif base_present and not present:
                # Long-context prices replace the base ones for the whole call: each needs its counterpart.
                message = "Required with a long-context threshold (the base price has one)."
            elif present and not base_present:
                shown = base.removesuffix("_per_mtok").replace("_", " ")
                message = f"Leave empty: the base {shown} price is."
            else:
                message = None
            if message:
                errors.setdefault(name, []).append(message)
        return errors


class ToolFeeKey(models.TextChoices):
    FILE_SEARCH_PER_KCALLS = "file_search_per_kcalls", "File search: USD per 1,000 calls (Responses)"
    WEB_SEARCH_PER_KCALLS = "web_search_per_kcalls", "Web search: USD per 1,000 calls (Responses)"
    VECTOR_STORAGE_PER_GB_DAY = "vector_storage_per_gb_day", "Vector storage: USD per GB per day"
    VECTOR_STORAGE_FREE_GB = "vector_storage_free_gb", "Vector storage: free GB"
    ASSISTANTS_CODE_INTERPRETER_PER_SESSION = (
        "assistants_code_interpreter_per_session",
        "Assistants code interpreter: USD per session (one hour)",
    )
    CONTAINER_1G = "container_per_20min_1g", "Responses container 1g: USD per 20 minutes"
    CONTAINER_4G = "container_per_20min_4g", "Responses container 4g: USD per 20 minutes"
    CONTAINER_16G = "container_per_20min_16g", "Responses container 16g: USD per 20 minutes"
    CONTAINER_64G = "container_per_20min_64g", "Responses container 64g: USD per 20 minutes"


class ToolFee(DatedRow):
    """A hosted-tool fee, from `effective_from` until the next row with the same key."""

    key = models.CharField(max_length=50, choices=ToolFeeKey)
    amount = models.DecimalField(
        "amount (USD, or GB for the free allowance)", max_digits=12, decimal_places=6
    )

    SERIES_FIELDS = ("key",)
    FROZEN_FIELDS = ("key", "effective_from", "amount")

    class Meta:
        ordering = ["key", "effective_from"]
        constraints = [models.UniqueConstraint(fields=["key", "effective_from"], name="one_tool_fee_per_day")]

    def __str__(self) -> str:
        return f"{self.key} from {self.effective_from}"

    def clash_message(self) -> str:
        return f"{self.key} already has a fee effective from {self.effective_from}: pick another date."

    def value_errors(self) -> dict[str, list[str]]:
        return _negative_price_errors(self, ("amount",))


class ApiSurface(Provenance):
    """One way to run an agent (Assistants, Responses, Chat Completions) and when OpenAI shuts it down.

    Its status on a date follows from the shutdown date (`pricing.sheet.SurfaceLifecycle.status`): live
    without one, deprecated before it, shut down from it. The engine reads it from the price sheet.
    """

    key = models.CharField(max_length=30, primary_key=True)
    name = models.CharField(max_length=100)
    shutdown_date = models.DateField("shut down on", null=True, blank=True)
    successor = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="predecessors"
    )
    edited_at = models.DateTimeField("last edited in the admin", null=True, blank=True)

    class Meta:
        ordering = ["key"]
        verbose_name = "API surface"

    def __str__(self) -> str:
        return self.name or self.key

    def edited_on(self) -> datetime | None:
        return self.edited_at

    def clean(self) -> None:
        errors = {}
        if self.successor_id is not None and self.successor_id == self.key:
            errors["successor"] = ["An API cannot be its own successor."]
        if self.successor_id is not None and self.shutdown_date is None:
            errors["shutdown_date"] = ["A successor only makes sense with a shutdown date: set the date too."]
        if errors:
            raise ValidationError(errors)


class SyncRun(models.Model):
    """One applied `sync_prices` run (dry runs are not recorded): the footer reads the latest."""

    finished_at = models.DateTimeField(default=timezone.now, db_index=True)
    genai_prices_version = models.CharField(max_length=50)
    added_models = models.PositiveIntegerField(default=0)
    added_prices = models.PositiveIntegerField(default=0)
    added_fees = models.PositiveIntegerField(default=0)
    seeded_lifecycles = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    report = models.TextField(blank=True)

    class Meta:
        ordering = ["-finished_at"]
        verbose_name = "price sync"

    def __str__(self) -> str:
        return f"sync with genai-prices {self.genai_prices_version} at {self.finished_at:%Y-%m-%d %H:%M}"
