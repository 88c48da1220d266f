"""The new-files sensor: late events re-open exactly the days they belong to, local and on S3."""

import json

import dagster as dg

from pipelines.definitions import build_definitions
from pipelines.orchestration.resources import SlmLocations
from pipelines.ingest.sensors import new_landing_files
from pipelines.settings import Settings


def events(*stamps):
    return "".join(json.dumps({"timestamp": ts, "service": "web", "status_code": 200}) + "\n" for ts in stamps)


def evaluate(settings, cursor):
    instance = dg.DagsterInstance.ephemeral()
    resources = {"slm": SlmLocations(home=str(settings.home), landing=settings.landing, catalog=str(settings.catalog))}
    context = dg.build_sensor_context(instance=instance, cursor=cursor, resources=resources)
    result = new_landing_files(context)
    requests = result if isinstance(result, list) else []
    return sorted(r.partition_key for r in requests), context.cursor, result


def run_sensor_sequence(settings, put):
    put("web/2026-10-01.jsonl", events("2026-10-01T10:00:00Z", "2026-10-01T23:59:59Z"))
    days, cursor, _ = evaluate(settings, None)
    assert days == ["2026-10-01"]
    # nothing changed: skipped without landing anything
    days, same, result = evaluate(settings, cursor)
    assert (days, same) == ([], cursor) and isinstance(result, dg.SkipReason)
    # a late delivery holding events of 09-28 and 10-01 (with an offset: 10-02 00:30 +02:00 is
    # 10-01 22:30 UTC) re-opens exactly those two days
    put("web/late.jsonl", events("2026-09-28T08:00:00Z", "2026-10-02T00:30:00+02:00"))
    days, cursor2, _ = evaluate(settings, cursor)
    assert days == ["2026-09-28", "2026-10-01"]
    # the same bytes delivered again under another name land nothing and request nothing
    put("web/late-copy.jsonl", events("2026-09-28T08:00:00Z", "2026-10-02T00:30:00+02:00"))
    days, _, result = evaluate(settings, cursor2)
    assert days == [] and "landed before" in result.skip_message


def test_sensor_on_a_local_folder(tmp_path):
    landing = tmp_path / "landing"
    settings = Settings.resolve(tmp_path / "home", str(landing), tmp_path / "catalog")

    def put(rel, text):
        (landing / rel).parent.mkdir(parents=True, exist_ok=True)
        (landing / rel).write_text(text)

    run_sensor_sequence(settings, put)


def test_sensor_on_s3(s3_server, tmp_path):
    s3_server.create_bucket(Bucket="sensed")
    settings = Settings.resolve(tmp_path / "home", "s3://sensed/in", tmp_path / "catalog")
    run_sensor_sequence(settings, lambda rel, text: s3_server.put_object(Bucket="sensed", Key=f"in/{rel}", Body=text.encode()))


def test_the_sensor_is_defined_for_the_daily_job(tmp_path):
    defs = build_definitions(Settings.resolve(tmp_path / "home"))
    sensor = defs.resolve_sensor_def("new_landing_files")
    assert sensor.job_name == "slm_daily"
    assert sensor.default_status == dg.DefaultSensorStatus.STOPPED  # the README says: off by default
