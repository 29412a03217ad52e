"""The benchmarks' floors: what the customers API answers, produced with
less. The lean floor (views.py, settings.py, urls.py) is plain Django views
with the API's token class and permissions and no middleware; the bare
floor (bare.py) is a WSGI callable with no Django request cycle. Both write
the API's very bytes (pages.py), which the benchmark checks first. Copied
into a throwaway copy of the render by tools/bench_variants.py, never into
a project."""
