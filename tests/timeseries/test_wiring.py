"""Settings and wiring of the time-series writer, and where influxdb-client may be imported."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from hub.timeseries import TimeSeriesSettings, build_timeseries


def test_time_series_are_off_by_default_and_then_no_writer_is_built() -> None:
    settings = TimeSeriesSettings()
    assert settings.enabled is False
    assert build_timeseries(settings) is None


def test_settings_refuse_unknown_keys_and_retry_bounds_out_of_order() -> None:
    with pytest.raises(ValidationError, match="extra"):
        TimeSeriesSettings.model_validate({"buckett": "x"})
    with pytest.raises(ValidationError, match="retry_max_s"):
        TimeSeriesSettings(retry_min_s=5, retry_max_s=1)


def test_every_setting_is_described() -> None:
    undescribed = [n for n, f in TimeSeriesSettings.model_fields.items() if not f.description]
    assert undescribed == []


def test_influxdb_client_is_imported_by_the_adapter_module_only() -> None:
    importers = {
        path.as_posix()
        for path in Path(".").glob("*/**/*.py")
        if path.parts[0] not in {".venv", "tests", "build"}
        and re.search(r"^\s*(import|from)\s+influxdb_client\b", path.read_text("utf-8"), re.M)
    }
    assert importers == {"hub/timeseries/influx.py"}


def test_a_hub_without_time_series_never_loads_influxdb_client() -> None:
    code = (
        "import sys\n"
        "from hub.timeseries import TimeSeriesSettings, build_timeseries\n"
        "assert build_timeseries(TimeSeriesSettings()) is None\n"
        "assert 'influxdb_client' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_an_enabled_writer_is_built_with_its_spool_and_not_started(tmp_path: Path) -> None:
    spool = tmp_path / "ts" / "spool.db"
    writer = build_timeseries(TimeSeriesSettings(enabled=True, spool_path=spool))
    assert writer is not None
    assert spool.exists()
    assert writer.counters.spool_depth == 0
    writer.close(timeout=0)
