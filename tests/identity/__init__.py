"""Tests of the identity components."""
