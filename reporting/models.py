"""Managers' measures (DOMAIN.md "Measures") are computed from cases and cohort data; this app
holds no tables of its own yet."""
