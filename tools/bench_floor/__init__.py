"""The load benchmark's floor: plain Django views (no DRF) that answer the
customers API's requests with the API's very bytes, copied into a throwaway
copy of the render by tools/bench_load.py and never into a project."""
