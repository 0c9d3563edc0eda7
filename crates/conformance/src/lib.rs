//! Test-only package: the suites are in `tests/`, the store benchmark in `benches/`.
