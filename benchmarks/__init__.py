"""Side-by-side benchmarks of usage_reports against a reference measured in the same run.

Run ``python -m benchmarks [--smoke] [--only B1,B3] [--json PATH]`` (or ``nox -s bench``).
Every figure is a ratio against a reference measured on this machine in this run,
with the median and the spread over several repetitions. All servers are on
loopback, started and stopped by the runner. See BENCHMARKS.md for the latest table.
"""
