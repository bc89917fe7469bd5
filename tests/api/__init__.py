"""Tests of the hub API: search, evidence, exports, alarms and the registry."""
