"""The admin's imports on the task queue: queued with the file, run all or nothing, the outcome kept.

Unit tests run tasks as they are enqueued (the immediate backend, tests/conftest.py); the last test runs
a real `manage.py db_worker` on a SQLite file of its own.
"""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from pricing.models import LanguageModel, PriceImport, PriceImportStatus, TokenPrice
from pricing.transfer.queued import price_import_create, price_import_process, price_import_queue
from tests.workers import db_worker, manage, wait_for_row, worker_env

GOOD = (
    "record,model,service_tier,effective_from,input_per_mtok,output_per_mtok\n"
    "token_price,gpt-4.1,standard,2030-01-01,2.4,9\n"
)


def queued(text: str, name: str = "prices.csv", dry_run: bool = False) -> PriceImport:
    upload = SimpleUploadedFile(name, text.encode(), content_type="text/csv")
    return price_import_create(upload, dry_run=dry_run, user=None)


def test_a_queued_import_holds_its_file_until_the_worker_runs_it(table):
    price_import = queued(GOOD)
    assert (price_import.status, bytes(price_import.content), price_import.size_bytes) == (
        PriceImportStatus.QUEUED,
        GOOD.encode(),
        len(GOOD),
    )
    price_import_queue(price_import)  # the immediate backend: run now
    price_import.refresh_from_db()
    assert (price_import.status, price_import.records, bytes(price_import.content)) == (
        PriceImportStatus.COMPLETED,
        1,
        b"",
    )
    assert price_import.started_at is not None and price_import.finished_at is not None
    assert price_import.started_at <= price_import.finished_at
    assert TokenPrice.objects.filter(model_id="gpt-4.1", effective_from="2030-01-01").exists()


def test_an_import_that_fails_after_writing_its_models_keeps_none_of_them(table):
    # The new model is written before its successor is linked; the unknown successor undoes it all.
    text = (
        "record,model,context_window,successor,service_tier,effective_from,input_per_mtok,output_per_mtok\n"
        "model,acme-1,128000,acme-9,,,,\n"
        "token_price,acme-1,,,standard,2030-01-01,1,4\n"
    )
    price_import = price_import_process(queued(text).pk)
    assert price_import is not None
    assert (price_import.status, price_import.error_count) == (PriceImportStatus.FAILED, 1)
    assert price_import.errors == [
        "row 2 (acme-1), field successor: unknown model 'acme-9': not in the file or the table"
    ]
    assert not LanguageModel.objects.filter(pk="acme-1").exists()
    assert not TokenPrice.objects.filter(model_id="acme-1").exists()


def test_an_import_runs_once(table):
    price_import = queued(GOOD)
    first = price_import_process(price_import.pk)
    assert first is not None and first.status == PriceImportStatus.COMPLETED
    again = price_import_process(price_import.pk)
    assert again is not None and (again.status, again.finished_at) == (first.status, first.finished_at)
    assert TokenPrice.objects.filter(model_id="gpt-4.1", effective_from="2030-01-01").count() == 1
    assert price_import_process(10_000) is None


def test_an_unexpected_error_fails_the_import_says_so_and_is_raised_for_the_workers_log(table, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("pricing.transfer.queued.import_records", broken)
    price_import = queued(GOOD)
    with pytest.raises(RuntimeError):
        price_import_process(price_import.pk)
    price_import.refresh_from_db()
    assert (price_import.status, price_import.errors, bytes(price_import.content)) == (
        PriceImportStatus.FAILED,
        ["the import stopped on an unexpected error (in the worker's log)"],
        b"",
    )


def test_a_file_with_thousands_of_bad_rows_keeps_the_first_fifty_and_the_count(table):
    rows = "".join(f"colour,{n}\n" for n in range(3000))
    price_import = price_import_process(queued("record,model\n" + rows).pk)
    assert price_import is not None
    assert (price_import.error_count, len(price_import.errors)) == (3000, 50)
    assert price_import.errors[0] == (
        "row 2, field record: expected one of model, api_surface, token_price, tool_fee, got 'colour'"
    )


QUEUE = """
from django.core.files.uploadedfile import SimpleUploadedFile
from pricing.transfer.queued import price_import_create, price_import_queue
upload = SimpleUploadedFile("prices.csv", {content!r})
price_import = price_import_create(upload, dry_run=False, user=None)
price_import_queue(price_import)
print(price_import.pk)
"""


def test_a_worker_process_runs_a_queued_price_import(tmp_path):
    env = worker_env(tmp_path)
    with db_worker(env):
        output = manage(env, "shell", "-c", QUEUE.format(content=GOOD.encode()))
        import_id = int(output.strip().splitlines()[-1])
        row = wait_for_row(
            env,
            "select status, records, summary, length(content) from pricing_priceimport where id = ?",
            (import_id,),
            finished=lambda row: row[0] in ("completed", "failed"),
        )
        prices = wait_for_row(
            env,
            "select count(*) from pricing_tokenprice where effective_from = '2030-01-01'",
            (),
            finished=lambda row: True,
        )
    assert row is not None and prices is not None
    assert row[:2] == ("completed", 1)
    assert row[2].startswith("imported 0 models, 0 api surfaces, 1 token prices, 0 tool fees;")
    assert (row[3], prices[0]) == (0, 1)
