#!/bin/sh
# Entry point of the Node base image that scripts/container-ci.sh makes locally, behaving
# like the official node image's: `docker run IMAGE app.js` or `docker run IMAGE --version`
# runs node with those arguments; any other command (`ls`, `sh -c …`) runs as given.
set -e
if [ "$#" -eq 0 ]; then
  set -- node
elif [ "${1#-}" != "$1" ] || ! command -v "$1" >/dev/null 2>&1; then
  set -- node "$@"
fi
exec "$@"
