"""QR scans: payloads parsed, repeats debounced, identifiers pseudonymised end to end."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
import qrcode  # type: ignore[import-untyped]

from edge_agent.camera.capture import CaptureState, Frame
from edge_agent.camera.qr import QrReader
from edge_agent.camera.qr_debounce import QrDebouncer
from edge_agent.camera.qr_payload import QrPayload, parse_payload
from edge_agent.camera.qr_source import QrCameraSource
from edge_agent.camera.source_settings import QrCameraSourceSettings
from edge_agent.outbox import envelope_bytes
from edge_agent.settings import SourceContext, SourceSettings
from sitewatch.protocol import pseudonymise
from tests.camera.recording import PEDESTRIANS, STAMP, RecordingSink, footage

SITE_KEY = b"test-site-key-0123456789"
ID_A, ID_B = "110101199003074514", "440305198801011234"
CODE_A = json.dumps({"id": ID_A, "health": "green", "temperature_c": 36.5})
CODE_B = json.dumps({"id": ID_B, "health": "yellow", "temperature_c": 36.9})
FPS, SECONDS = 10, 30


def qr_image(text: str, module_px: int = 4) -> np.ndarray:
    """A QR code as a BGR image with its quiet zone (no PIL needed)."""
    code = qrcode.QRCode(border=4, box_size=1)
    code.add_data(text)
    code.make(fit=True)
    grey = np.where(np.array(code.get_matrix(), dtype=bool), 0, 255).astype(np.uint8)
    grey = grey.repeat(module_px, axis=0).repeat(module_px, axis=1)
    return cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)


def held_up(frame: np.ndarray, code: np.ndarray, corners: list[tuple[float, float]]) -> np.ndarray:
    """`frame` with `code` pasted in perspective onto the quadrilateral `corners`."""
    h, w = code.shape[:2]
    square = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    warp = cv2.getPerspectiveTransform(square, np.array(corners, np.float32))
    size = (frame.shape[1], frame.shape[0])
    warped = cv2.warpPerspective(code, warp, size)
    mask = cv2.warpPerspective(np.full((h, w), 255, np.uint8), warp, size) > 0
    out = frame.copy()
    out[mask] = warped[mask]
    return out


def with_noise(frame: np.ndarray, sigma: float = 8.0) -> np.ndarray:
    """Gaussian sensor noise (OpenCV's generator: a tenth of numpy's time per frame)."""
    noise = np.empty(frame.shape, np.int16)
    cv2.randn(noise, np.array([0.0]), np.array([sigma]))
    return np.clip(frame.astype(np.int16) + noise, 0, 255).astype(np.uint8)


def entrance_video(path: Path) -> None:
    """30 s at 10 fps of the real footage: code A held up throughout, code B from 5 s to 25 s.

    Both codes are tilted in perspective, sway a little from frame to frame, and the
    frames carry Gaussian noise.
    """
    capture = cv2.VideoCapture(str(footage(PEDESTRIANS)))
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), FPS, (480, 360))
    assert writer.isOpened()
    code_a, code_b = qr_image(CODE_A), qr_image(CODE_B)
    cv2.setRNGSeed(7)
    for i in range(FPS * SECONDS):
        ok, frame = capture.read()
        assert ok, "the footage ended early"
        sway = 6 * np.sin(i / 7)
        frame = held_up(
            frame, code_a, [(20 + sway, 40), (200, 55 + sway), (195, 230), (25, 215 - sway)]
        )
        if 5 * FPS <= i < 25 * FPS:
            frame = held_up(
                frame, code_b, [(265, 60 + sway), (450, 40), (460 - sway, 225), (270, 235)]
            )
        writer.write(with_noise(frame))
    writer.release()
    capture.release()


def test_entrance_footage_gives_one_scan_per_code_per_window(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    video = tmp_path / "entrance.avi"
    entrance_video(video)
    cfg = SourceSettings(
        type="camera_qr",
        camera="gate-1-qr",
        url=str(video),
        pace="asap",
        debounce_s=10,
        scan_hz=5,
    )
    source = QrCameraSource.from_settings(cfg, SourceContext("park-1", "gw-1", SITE_KEY))
    sink = RecordingSink()
    source.run(sink, threading.Event())  # returns at the end of the file

    subject_a, subject_b = pseudonymise(SITE_KEY, ID_A), pseudonymise(SITE_KEY, ID_B)
    drafts = sink.drafts
    assert {d.kind for d in drafts} == {"place_scan"}
    assert {d.device for d in drafts} == {"gate-1-qr"}
    by_subject = {
        s: [d for d in drafts if d.fields["subject"] == s] for s in (subject_a, subject_b)
    }
    assert len(by_subject[subject_a]) == 3
    assert len(by_subject[subject_b]) == 2
    assert len(drafts) == 5
    start = by_subject[subject_a][0].ts
    offsets_a = [(d.ts - start).total_seconds() for d in by_subject[subject_a]]
    offsets_b = [(d.ts - start).total_seconds() for d in by_subject[subject_b]]
    assert offsets_a == pytest.approx([0, 10, 20], abs=0.5)
    assert offsets_b == pytest.approx([5, 15], abs=0.5)
    a, b = by_subject[subject_a][0].fields, by_subject[subject_b][0].fields
    assert (a["health"], a["temperature_c"], a["verdict"]) == ("green", 36.5, "pass")
    assert (b["health"], b["temperature_c"], b["verdict"]) == ("yellow", 36.9, "deny")
    assert a["method"] == "health_qr" and a["visitor"] is False

    # The identifiers in clear are nowhere: not in events, counters or logs.
    counters = source.counters()
    assert counters["events"] == 5 and counters["repeats"] > 0
    wire = b"".join(envelope_bytes(d, i, STAMP) for i, d in enumerate(drafts, start=1))
    for raw in (ID_A, ID_B):
        assert raw.encode() not in wire
        assert raw not in repr(drafts)
        assert raw not in repr(counters)
        assert raw not in caplog.text


class StillFeed:
    """One still frame, shown `times` times, 0.5 s apart (a stand-in for FrameSource)."""

    def __init__(self, image: np.ndarray, times: int = 1) -> None:
        self.image, self.times = image, times

    def frames(self, stop: threading.Event) -> Iterator[Frame]:
        """The frame, again and again."""
        for i in range(self.times):
            yield Frame(image=self.image, ts=1_000.0 + i / 2, read_at=0.0, index=i)

    def state(self) -> CaptureState:
        """Always online."""
        return CaptureState(True, 0, 0, 0, self.times, None, False)


@pytest.mark.parametrize(
    ("payload", "verdict"),
    [
        ({"id": "A1", "health": "red"}, "deny"),
        ({"id": "A2", "health": "green", "temperature_c": 37.8}, "deny"),  # fever
        ({"id": "A3", "health": "green", "temperature_c": 37.2}, "pass"),
        ({"id": "A4"}, "pass"),  # health unknown
    ],
)
def test_verdicts(payload: dict[str, object], verdict: str) -> None:
    frame = held_up(
        np.full((360, 480, 3), 200, np.uint8),
        qr_image(json.dumps(payload)),
        [(100, 60), (300, 70), (290, 280), (110, 270)],
    )
    settings = QrCameraSourceSettings(camera="door-qr", url="rtsp://door/qr")
    source = QrCameraSource(StillFeed(frame), settings, SITE_KEY)
    sink = RecordingSink()
    source.run(sink, threading.Event())
    assert [d.fields["verdict"] for d in sink.drafts] == [verdict]
    assert sink.drafts[0].fields["subject"] == pseudonymise(SITE_KEY, str(payload["id"]))


def test_full_outbox_is_counted_and_scanning_goes_on() -> None:
    frame = held_up(
        np.full((360, 480, 3), 200, np.uint8),
        qr_image(CODE_A),
        [(100, 60), (300, 70), (290, 280), (110, 270)],
    )
    settings = QrCameraSourceSettings(camera="door-qr", url="rtsp://door/qr", debounce_s=1)
    source = QrCameraSource(StillFeed(frame, times=6), settings, SITE_KEY)
    sink = RecordingSink(refuse=True)
    source.run(sink, threading.Event())
    assert sink.refusals == 3  # at 0, 1 and 2 s: every window tried, none crashed the loop
    assert source.counters()["refused"] == 3


def test_reader_finds_a_tilted_noisy_code() -> None:
    frame = held_up(
        np.full((360, 480, 3), 90, np.uint8),
        qr_image("HELLO-GATE-7"),
        [(150, 40), (330, 80), (320, 300), (140, 280)],
    )
    cv2.setRNGSeed(3)
    noisy = with_noise(frame, sigma=12)
    assert QrReader().decode(noisy) == ["HELLO-GATE-7"]
    assert QrReader().decode(np.full((120, 160, 3), 255, np.uint8)) == []


def test_payload_forms() -> None:
    assert parse_payload(CODE_A) == QrPayload(ID_A, "green", 36.5)
    assert parse_payload(
        "https://hc.example.gov/v?id=440305198801011234&health=RED&temperature_c=38.24"
    ) == QrPayload(ID_B, "red", 38.2)
    assert parse_payload("  Visitor-0042 ") == QrPayload("Visitor-0042", "unknown", None)
    # A URL without an id is text like any other.
    assert parse_payload("https://park.example/p/gate-3") == QrPayload(
        "https://park.example/p/gate-3", "unknown", None
    )


def test_payload_oddities() -> None:
    assert parse_payload("") is None
    assert parse_payload('{"health": "green"}') is None  # JSON naming nobody
    assert parse_payload('{"id": true}') is None
    odd = parse_payload('{"id": 12345, "health": "purple", "temperature_c": 99}')
    assert odd == QrPayload("12345", "unknown", None)  # 99 °C is a misread, not a fever
    assert ID_A not in repr(parse_payload(CODE_A))


def test_debouncer_passes_a_code_once_per_window() -> None:
    debouncer = QrDebouncer(10.0)
    seen = [
        (code, t)
        for code, t in [
            ("a", 0),
            ("a", 9.9),
            ("b", 5),
            ("a", 10),
            ("b", 14.9),
            ("a", 19.99),
            ("b", 15),
            ("a", 20),
        ]
        if debouncer.admit(code, t)
    ]
    assert seen == [("a", 0), ("b", 5), ("a", 10), ("b", 15), ("a", 20)]
    debouncer.admit("c", 100)
    assert len(debouncer) == 1  # expired codes are forgotten
