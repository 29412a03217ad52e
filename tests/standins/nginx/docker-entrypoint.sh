#!/bin/sh
# The stand-in's entrypoint, written from the nginx image's documented
# behaviour: when the command is nginx, the files in /docker-entrypoint.d/
# run first in version order (*.envsh sourced, *.sh executed, each only when
# executable), then the command replaces this shell.
set -eu

say() {
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: $*"
}

if [ "${1:-}" = nginx ] || [ "${1:-}" = nginx-debug ]; then
    for script in $(find /docker-entrypoint.d/ -follow -type f -print | sort -V); do
        if [ ! -x "$script" ]; then
            say "ignoring $script, not executable"
            continue
        fi
        case "$script" in
            *.envsh)
                say "sourcing $script"
                # shellcheck disable=SC1090  # each script is the image's own
                . "$script"
                ;;
            *.sh)
                say "launching $script"
                "$script"
                ;;
            *) say "ignoring $script" ;;
        esac
    done
    say "configuration complete; ready for start up"
fi

exec "$@"
