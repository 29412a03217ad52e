# Stand-in for nginxinc/nginx-unprivileged:<version>-alpine, which cannot be
# pulled here (docs/maintaining.md: what it follows, where it differs):
# Debian's nginx, laid out and started as upstream's image does.
ARG BASE
FROM ${BASE}

# Upstream: the nginx user and group (101) made first; nginx, envsubst,
# tzdata, curl and ca-certificates; busybox's wget, here GNU wget.
RUN groupadd --system --gid 101 nginx \
    && useradd --system --uid 101 --gid nginx --no-create-home \
        --home-dir /var/cache/nginx --shell /sbin/nologin nginx \
    && apt-get update \
    && apt-get install -y --no-install-recommends \
        nginx gettext-base tzdata curl ca-certificates wget \
    && rm -rf /var/lib/apt/lists/* /etc/nginx/sites-enabled /etc/nginx/sites-available \
        /etc/nginx/conf.d/* /var/www/html

# Upstream: logs to the container's output; the config and cache owned by the
# unprivileged user (and group 0), /var/log/nginx left root's (its issue #7);
# the pid and temporary files in /tmp.
COPY nginx/nginx.conf /etc/nginx/nginx.conf
COPY nginx/default.conf /etc/nginx/conf.d/default.conf
COPY nginx/index.html /usr/share/nginx/html/index.html
RUN ln -sf /dev/stdout /var/log/nginx/access.log \
    && ln -sf /dev/stderr /var/log/nginx/error.log \
    && mkdir -p /var/cache/nginx /docker-entrypoint.d \
    && chown -R 101:0 /var/cache/nginx /etc/nginx \
    && chmod -R g+w /var/cache/nginx /etc/nginx \
    && chmod 0755 /var/log/nginx \
    && chown root:root /var/log/nginx

COPY --chmod=0755 nginx/docker-entrypoint.sh /docker-entrypoint.sh
COPY --chmod=0755 nginx/20-envsubst-on-templates.sh /docker-entrypoint.d/
ENTRYPOINT ["/docker-entrypoint.sh"]

EXPOSE 8080
STOPSIGNAL SIGQUIT
USER 101
CMD ["nginx", "-g", "daemon off;"]
