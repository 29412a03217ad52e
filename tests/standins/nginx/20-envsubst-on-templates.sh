#!/bin/sh
# Written from the nginx image's documented behaviour: every
# $NGINX_ENVSUBST_TEMPLATE_DIR/**/*$NGINX_ENVSUBST_TEMPLATE_SUFFIX goes through
# envsubst into $NGINX_ENVSUBST_OUTPUT_DIR, substituting only the variables
# that are set and whose names match NGINX_ENVSUBST_FILTER (all when unset);
# an output directory it cannot write is reported, not fatal.
set -eu

template_dir=${NGINX_ENVSUBST_TEMPLATE_DIR:-/etc/nginx/templates}
suffix=${NGINX_ENVSUBST_TEMPLATE_SUFFIX:-.template}
output_dir=${NGINX_ENVSUBST_OUTPUT_DIR:-/etc/nginx/conf.d}
filter=${NGINX_ENVSUBST_FILTER:-}

[ -d "$template_dir" ] || exit 0
if [ ! -w "$output_dir" ]; then
    echo "$0: ERROR: $template_dir exists, but $output_dir is not writable"
    exit 0
fi

# envsubst's list of the variables it may replace: "${NAME} ${OTHER} ...".
defined=""
for name in $(env | sed -n 's/^\([A-Za-z_][A-Za-z0-9_]*\)=.*/\1/p' | grep -E -- "${filter:-.}"); do
    defined="$defined \${$name}"
done
find "$template_dir" -follow -type f -name "*$suffix" -print | while read -r template; do
    relative=${template#"$template_dir"/}
    output=$output_dir/${relative%"$suffix"}
    mkdir -p "$(dirname "$output")"
    [ -n "${NGINX_ENTRYPOINT_QUIET_LOGS:-}" ] || echo "$0: envsubst $template > $output"
    envsubst "$defined" < "$template" > "$output"
done
