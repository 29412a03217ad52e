"""The production rehearsal's parts, shared with the load benchmark.

Each module starts or drives one piece of the production topology on
loopback; topology.py puts the servers together, and scripts/rehearse.py and
scripts/benchmark.py run them.
"""
