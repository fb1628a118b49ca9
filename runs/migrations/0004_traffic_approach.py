from django.db import migrations


class Migration(migrations.Migration):
    """One word for the three approaches in the code: the approach a trace import's traffic ran on."""

    dependencies = [("runs", "0003_trace_imports")]

    operations = [
        migrations.RenameField(model_name="traceimport", old_name="traffic_way", new_name="traffic_approach"),
    ]
