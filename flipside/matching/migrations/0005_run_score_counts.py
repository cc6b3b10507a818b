from django.db import migrations, models
from django.db.models import Count


def count_scores(apps, schema_editor):
    """Every run's pairs counted by score once, as the run page reads them from now on."""
    Run = apps.get_model("matching", "Run")
    Proposal = apps.get_model("matching", "Proposal")
    by_run: dict[int, dict[str, int]] = {}
    rows = Proposal.objects.order_by().values("run_id", "score").annotate(n=Count("id"))
    for row in rows.iterator():
        by_run.setdefault(row["run_id"], {})[str(row["score"])] = row["n"]
    for run_id, scores in by_run.items():
        Run.objects.filter(pk=run_id).update(scores=scores)


class Migration(migrations.Migration):
    dependencies = [
        ("matching", "0004_pair_count"),
    ]

    operations = [
        migrations.AddField(
            model_name="run",
            name="scores",
            field=models.JSONField(blank=True, default=dict),
        ),
        migrations.RunPython(count_scores, migrations.RunPython.noop),
    ]
