"""Receivers: the gateway's non-camera sources (HTTP pushes, a log tail, a scanner's lines).

Each module holds one source type; import the module you need so that a gateway
loads only what it runs: `place_scan`, `access`, `access_log`, `vehicle`, `sensor`, `lines`.
"""
