"""InfluxDB adapter: posts line protocol to /api/v2/write with influxdb-client (the only
module that imports it), gzip-compressed, one synchronous request per batch.

Synchronous on purpose: the client's batching mode retries and drops on its own, out of
sight; here a batch counts as written only once this call returned after a 2xx, so the
writer can keep it in its spool until then. The client's own retries stay off for the
same reason.
"""

from __future__ import annotations

from influxdb_client import InfluxDBClient
from influxdb_client.client.write_api import SYNCHRONOUS
from influxdb_client.rest import ApiException
from urllib3.exceptions import HTTPError

from hub.timeseries.sink import LineSink, WriteFailed, WriteRejected

# What InfluxDB answers when the data itself is at fault (malformed line protocol, a
# request too large, a field type conflict or points outside the retention period):
# sending the same batch again would fail again. Everything else (401/403/404: token or
# bucket wrong, 429, 5xx, no answer) may pass later, so it is retried.
_REJECTED = frozenset({400, 413, 422})


class InfluxLineSink(LineSink):
    """Writes batches to an InfluxDB v2 write endpoint (InfluxDB 2.x/3.x, VictoriaMetrics)."""

    def __init__(
        self, url: str, token: str, org: str, bucket: str, timeout_s: float, gzip: bool = True
    ) -> None:
        self._client = InfluxDBClient(
            # An empty token sends no Authorization header (VictoriaMetrics wants none).
            url=url, token=token, org=org, timeout=int(timeout_s * 1000), enable_gzip=gzip,
        )
        self._write_api = self._client.write_api(write_options=SYNCHRONOUS)
        self._org = org
        self._bucket = bucket
        self._timeout_s = timeout_s

    @property
    def timeout_s(self) -> float:
        """The request timeout."""
        return self._timeout_s

    def write(self, body: bytes) -> None:
        """POST the batch; raise WriteRejected or WriteFailed unless the answer was 2xx."""
        try:
            # Bytes go out as they are; the precision defaults to nanoseconds, as the lines are.
            self._write_api.write(self._bucket, self._org, record=body)
        except ApiException as exc:
            status = exc.status or 0
            message = f"HTTP {status}: {_text(exc.body)}"
            if status in _REJECTED:
                raise WriteRejected(message) from exc
            raise WriteFailed(message, _retry_after(exc.headers)) from exc
        except (HTTPError, OSError) as exc:
            raise WriteFailed(f"{type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        """Close the client's connection pool."""
        self._write_api.close()
        self._client.close()


def _text(body: object) -> str:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    return str(body or "")[:300]


def _retry_after(headers: object) -> float | None:
    """Seconds from a Retry-After header (InfluxDB Cloud sends one with 429 and 503)."""
    value = headers.get("Retry-After") if hasattr(headers, "get") else None
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None  # the HTTP-date form: fall back to the writer's own backoff
