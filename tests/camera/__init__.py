"""Tests of the camera analytics: pure logic on plain values, the analyzer on real footage."""
