"""The transition cohort: nightly runs and flags. Models land with the cohort issue."""
