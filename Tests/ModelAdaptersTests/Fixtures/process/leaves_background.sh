#!/bin/sh
# A wrapper that leaves a background process behind, as data-loader workers or a forking launcher
# do: it starts `sleep` (which inherits stdout and stderr), writes the sleeper's pid to $1, then
# replaces itself with the adapter given as the remaining arguments.
pid_file=$1
shift
sleep 100000 &
echo $! > "$pid_file"
exec "$@"
