#!/bin/sh
# Write .env for docker compose from deploy/compose.env.example, replacing every
# `generate-me` with its own random 48-hex-digit secret. Refuses to overwrite an existing .env.
#   sh deploy/compose.env.sh [OUT]      (OUT defaults to .env in the current folder)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-.env}
if [ -e "$out" ]; then
    echo "$out exists; not overwriting it (remove it first to start afresh)" >&2
    exit 1
fi
umask 077
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT
while IFS= read -r line || [ -n "$line" ]; do
    case "$line" in
        *=generate-me)
            secret=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
            [ ${#secret} -eq 48 ] || { echo "could not read /dev/urandom" >&2; exit 1; }
            printf '%s=%s\n' "${line%=generate-me}" "$secret" ;;
        *) printf '%s\n' "$line" ;;
    esac
done < "$here/compose.env.example" > "$tmp"
mv "$tmp" "$out"
trap - EXIT
echo "wrote $out (mode 600); the admin key is BAOBAB_ADMIN_API_KEY in it"
