from celery.schedules import crontab

from advocacy.celery import app


def test_every_periodic_task_is_a_crontab_with_an_expiry_and_exists():
    app.loader.import_default_modules()
    assert app.conf.beat_schedule, "no periodic tasks configured"
    for name, entry in app.conf.beat_schedule.items():
        assert isinstance(entry["schedule"], crontab), name
        assert entry.get("options", {}).get("expires"), f"{name} has no expires: runs would pile up after downtime"
        assert entry["task"] in app.tasks, f"{name}: task {entry['task']} is not registered"
