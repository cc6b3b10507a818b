"""Names and pronouns refuse hidden characters from now on (``lib.text``); the text-direction
controls already stored in them are removed, since they make a name show as something else.
The ids of the people whose name changed are printed."""

from django.db import migrations, models

import flipside.lib.text
from flipside.lib.text import BIDI_CONTROLS


def without_direction_controls(text):
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)


def remove_direction_controls(apps, schema_editor):
    User = apps.get_model("accounts", "User")
    changed = []
    for pk, name, pronouns in User.objects.values_list("pk", "display_name", "pronouns"):
        clean_name, clean_pronouns = (
            without_direction_controls(name),
            without_direction_controls(pronouns),
        )
        if (clean_name, clean_pronouns) != (name, pronouns):
            User.objects.filter(pk=pk).update(display_name=clean_name, pronouns=clean_pronouns)
            changed.append(str(pk))
    if changed:
        print("\n  Text-direction characters removed from the names of users " + ", ".join(changed))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_canonical_emails"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="display_name",
            field=models.CharField(
                max_length=150,
                validators=[flipside.lib.text.validate_single_line],
                verbose_name="name",
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="pronouns",
            field=models.CharField(
                blank=True,
                max_length=40,
                validators=[flipside.lib.text.validate_single_line],
                verbose_name="pronouns",
            ),
        ),
        migrations.RunPython(remove_direction_controls, migrations.RunPython.noop, elidable=False),
    ]
