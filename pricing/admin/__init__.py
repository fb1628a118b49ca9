"""The price table in the Django admin (staff only).

`dated` holds token prices and tool fees (history never overwritten: a change is a new row from a date),
`table` the models with their price timeline, API surfaces and the sync log, `views` the staff pages for
export, import and "Sync now" (`pricing.urls`), `filters` and `display` what the lists share.
"""

from pricing.admin import dated, table

__all__ = ["dated", "table"]
