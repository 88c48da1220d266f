"""The dbt resource knows the version of the dbt beside this interpreter without running it, and
opens no dbt adapter in Dagster's process (2.4 s of every run, issue 15); another dbt is asked."""

import stat

from dagster_dbt import DbtCliResource

from pipelines.warehouse.assets import dbt_project, dbt_resource


def test_the_version_is_the_one_the_executable_gives():
    resource = dbt_resource()
    asked = DbtCliResource._cli_version.func(resource)  # dagster-dbt's own way: `dbt --version`
    assert resource._cli_version == asked and asked.major == 1 and asked.minor == 11
    assert resource._initialize_dbt_core_adapter(["build"]) is None


def test_another_dbt_is_asked_its_version(tmp_path):
    other = tmp_path / "dbt"
    other.write_text("#!/bin/sh\necho 'Core:'\necho '  - installed: 1.10.7'\n")
    other.chmod(other.stat().st_mode | stat.S_IEXEC)
    resource = type(dbt_resource())(project_dir=dbt_project, dbt_executable=str(other))
    assert str(resource._cli_version) == "1.10.7"
