"""Export and import the whole price table (JSON or CSV): `records` defines a record per kind (its
model form), `files` reads and writes the two layouts, `export` serializes the table, `importer` checks
a file and writes it in one transaction."""

from pricing.transfer.export import export_csv, export_json, export_table
from pricing.transfer.files import CSV_COLUMNS, MAX_IMPORT_BYTES, PriceImportError
from pricing.transfer.importer import ImportReport, import_file, import_records

__all__ = [
    "CSV_COLUMNS",
    "MAX_IMPORT_BYTES",
    "ImportReport",
    "PriceImportError",
    "export_csv",
    "export_json",
    "export_table",
    "import_file",
    "import_records",
]
