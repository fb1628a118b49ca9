from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = "Price table"

    def ready(self) -> None:
        from pricing.memo import price_table_changed
        from pricing.models import ApiSurface, LanguageModel, TokenPrice, ToolFee

        # Any saved or deleted row may change a price sheet: memoised sheets are forgotten.
        for model in (LanguageModel, TokenPrice, ToolFee, ApiSurface):
            for signal in (post_save, post_delete):
                signal.connect(
                    price_table_changed, sender=model, dispatch_uid=f"price-table-{model.__name__}"
                )
