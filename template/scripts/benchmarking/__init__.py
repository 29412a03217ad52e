"""The load benchmark's parts (scripts/benchmark.py): the scenarios, wrk,
CPU time per process class from /proc, the open-loop driver, the same-bytes
check of a variant view and the instruction counts under callgrind."""
