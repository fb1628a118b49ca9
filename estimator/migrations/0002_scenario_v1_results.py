"""Share links saved under cost model version 1 keep the numbers they were shared with.

Version 2 prices a population of conversations and changes rounding, truncation and cache writes, so a
version-1 scenario recomputed today would show other numbers. Each one is priced once, here, by the
frozen version-1 arithmetic (`_cost_model_v1.py`) from its own inputs and price snapshot, and the result
is stored on the row; its page shows that result.
"""

from django.db import migrations, models


def price_version_1_scenarios(apps, schema_editor):
    from estimator.migrations._cost_model_v1 import scenario_result

    Scenario = apps.get_model("estimator", "Scenario")
    for scenario in Scenario.objects.filter(format_version=1, result__isnull=True).iterator():
        scenario.result = scenario_result(scenario.inputs, scenario.prices)
        scenario.save(update_fields=["result"])


class Migration(migrations.Migration):
    dependencies = [("estimator", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="scenario",
            name="result",
            field=models.JSONField(
                blank=True,
                help_text="Format 1 only: the estimate as cost model version 1 computed it, shown as it was.",
                null=True,
            ),
        ),
        migrations.AlterField(
            model_name="scenario",
            name="format_version",
            field=models.PositiveSmallIntegerField(default=2),
        ),
        migrations.RunPython(price_version_1_scenarios, migrations.RunPython.noop),
    ]
