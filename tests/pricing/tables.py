"""Helpers for tests that fill and empty the price table themselves."""

from pricing.models import ApiSurface, LanguageModel, SyncRun, TokenPrice, ToolFee


def empty_price_table():
    TokenPrice.objects.all().delete()
    ToolFee.objects.all().delete()
    LanguageModel.objects.all().delete()
    ApiSurface.objects.all().delete()
    SyncRun.objects.all().delete()
