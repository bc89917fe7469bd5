"""Tests of the receivers: the gateway's non-camera sources."""
