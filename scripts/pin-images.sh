#!/bin/sh
# Pins every image the stack pulls (docker-compose.yml's `image:` lines and the Dockerfile's
# FROM) to the digest its registry serves for its tag now: `postgres:15.13-bookworm` becomes
# `postgres:15.13-bookworm@sha256:…`, so a re-pushed tag cannot change what runs. Needs a
# Docker engine that can pull from the registries. Run it again to move to newer digests.
# Usage: scripts/pin-images.sh [DIRECTORY holding docker-compose.yml and Dockerfile]
set -eu
dir=${1:-$(dirname "$0")/..}
compose="$dir/docker-compose.yml"
dockerfile="$dir/Dockerfile"
images=$(
  { sed -n 's/^ *image: *\([^ #]*\).*/\1/p' "$compose"; sed -n 's/^FROM *\([^ ]*\).*/\1/p' "$dockerfile"; } |
    sed 's/@sha256:[0-9a-f]*$//' | grep -v '^campaign:' | sort -u
)
for image in $images; do
  docker pull --quiet "$image" >/dev/null
  digest=$(docker image inspect --format '{{index .RepoDigests 0}}' "$image" | sed 's/^.*@//')
  case "$digest" in
    sha256:*) ;;
    *) echo "no digest for $image: $digest" >&2; exit 1 ;;
  esac
  escaped=$(printf '%s' "$image" | sed 's/[.]/\\./g')
  sed -i "s#^\( *image: *\|FROM *\)$escaped\(@sha256:[0-9a-f]*\)\{0,1\}\([ #]\|\$\)#\1$image@$digest\3#" "$compose" "$dockerfile"
  echo "$image@$digest"
done
