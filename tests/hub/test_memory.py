"""The hub pins glibc's mmap threshold, so a freed large block goes back to the system
instead of staying resident in the heap (the soak's RSS steps, hub/memory.py). The hub
runs on Debian's glibc, as CI does; the control test fails on an allocator without the
effect rather than passing unseen."""

from __future__ import annotations

import os
import subprocess
import sys

# A child that frees an 8 MiB block 20 times, each time with a small long-lived allocation
# made after it (so the block, if it came from the heap, is not at the heap's top), and
# prints how much its RSS grew. Without the pin, glibc's first free raises the threshold
# and the later blocks come from the heap and stay resident; with it, they never do.
CHILD = """
import sys
from hub.memory import pin_mmap_threshold

def rss_kib():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4

pinned = pin_mmap_threshold() if sys.argv[1] == "pin" else False
keep = []
before = rss_kib()
for _ in range(20):
    big = bytearray(8 * 2**20)
    keep.append(bytearray(2000))
    del big
print(pinned, rss_kib() - before)
"""

def rss_growth(mode: str, **env: str) -> tuple[str, int]:
    result = subprocess.run(
        [sys.executable, "-c", CHILD, mode], capture_output=True, text=True, check=True,
        env={**os.environ, **env},
    )
    pinned, growth_kib = result.stdout.split()
    return pinned, int(growth_kib)


def test_freed_large_blocks_stay_resident_without_the_pin() -> None:
    pinned, growth = rss_growth("off")
    assert pinned == "False"
    assert growth > 6 * 1024  # the control: the effect the pin removes is real here


def test_with_the_pin_freed_large_blocks_go_back_to_the_system() -> None:
    pinned, growth = rss_growth("pin")
    assert pinned == "True"
    assert growth < 2 * 1024


def test_the_operators_own_threshold_wins() -> None:
    pinned, _ = rss_growth("pin", MALLOC_MMAP_THRESHOLD_="65536")
    assert pinned == "False"
