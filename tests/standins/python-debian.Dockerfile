# Stand-in for an official python:<version>-slim-trixie image whose CPython
# no interpreter on this machine can supply (3.14: pyenv here has none, and
# python.org is out of reach). Debian's own build of that version from the
# newer suite that carries it (BASE: a minimal root of that suite), the same
# package version as the test interpreter (tests/support/interpreters.py).
# docs/maintaining.md: where this differs from upstream.
ARG BASE
FROM ${BASE}
ARG VERSION
ARG DEBIAN_VERSION

# Not upstream: Debian's CPython under /usr (upstream builds its own under
# /usr/local), with Debian's patches (site-packages is dist-packages outside a
# venv) and the newer suite's C library and shared libraries.
# The mirror reached here serves testing and unstable with Release files past
# their Valid-Until (a snapshot): apt is told not to check that date.
RUN printf 'Acquire::Check-Valid-Until "false";\n' > /etc/apt/apt.conf.d/99snapshot \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates netbase tzdata \
        "python${VERSION}=${DEBIAN_VERSION}" "python${VERSION}-venv=${DEBIAN_VERSION}" \
    && rm -rf /var/lib/apt/lists/*

COPY ca-certificates.crt /usr/local/share/ca-certificates/host.crt
RUN update-ca-certificates >/dev/null \
    && printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > /etc/pip.conf

# SSL_CERT_FILE: uv (in the backend's build) reads its CAs from there, not
# from pip.conf.
ENV PATH=/usr/local/bin:$PATH \
    LANG=C.UTF-8 \
    SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt
# As upstream: python, python3 and pip on PATH in /usr/local/bin, pip
# installable outside a venv (Debian's EXTERNALLY-MANAGED marker removed).
# Debian's ensurepip works in venvs only: pip is installed from the wheel
# python3-pip-whl ships (venvs get the same one), run from that wheel.
RUN rm -f "/usr/lib/python${VERSION}/EXTERNALLY-MANAGED" \
    && ln -s "/usr/bin/python${VERSION}" "/usr/local/bin/python${VERSION}" \
    && ln -s "python${VERSION}" /usr/local/bin/python3 \
    && ln -s python3 /usr/local/bin/python \
    && wheel="$(ls /usr/share/python-wheels/pip-*.whl)" \
    && python3 "$wheel/pip" install --quiet --no-index --root-user-action=ignore \
        --disable-pip-version-check "$wheel" \
    && python --version && pip --version

CMD ["python3"]
