# Stand-in for ghcr.io/astral-sh/uv:<version>, which cannot be pulled here
# (docs/maintaining.md): like upstream's, an image of nothing but the uv and
# uvx binaries at its root, here taken from the PyPI wheel of that release.
FROM scratch
COPY uv uvx /
ENTRYPOINT ["/uv"]
