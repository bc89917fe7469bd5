"""Test support: real server processes started on free ports."""
