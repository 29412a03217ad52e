# Stand-in for the official python:<version>-slim-trixie image, which cannot
# be pulled here (docs/maintaining.md: what it follows, where it differs).
# The context holds `python/`, the host's CPython of the same minor version
# laid out under /usr/local as upstream's `make install` lays it out, and the
# host's CA bundle.
ARG BASE
FROM ${BASE}

# Upstream: ca-certificates, netbase and tzdata, plus the shared libraries its
# build links against (kept by its apt-mark step).
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        ca-certificates netbase tzdata \
        libbz2-1.0 libexpat1 libffi8 libgdbm6t64 liblzma5 libncursesw6 \
        libreadline8t64 libsqlite3-0 libssl3t64 libuuid1 zlib1g \
    && rm -rf /var/lib/apt/lists/*

# Not upstream: the registries are reached through a proxy whose CA the host
# trusts; pip and uv (which bring their own CA lists) are told to use the system's.
COPY ca-certificates.crt /usr/local/share/ca-certificates/host.crt
RUN update-ca-certificates >/dev/null \
    && printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' > /etc/pip.conf
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt

ENV PATH=/usr/local/bin:$PATH \
    LANG=C.UTF-8
COPY python/ /usr/local/
# Upstream installs pip with ensurepip and links python and pip without the 3.
RUN ldconfig \
    && python3 -m ensurepip --upgrade >/dev/null \
    && ln -s python3 /usr/local/bin/python \
    && ln -s pip3 /usr/local/bin/pip \
    && python --version && pip --version

CMD ["python3"]
