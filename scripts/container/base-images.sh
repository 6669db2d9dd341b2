#!/usr/bin/env bash
# Builds the local stand-ins for the three upstream base images the deployment files name, for
# machines that cannot reach Docker Hub. Each is skipped when an image of that name exists, so a
# second run costs nothing; `FORCE=1` rebuilds them.
#
#   saga-local/debian:bookworm-slim          stands in for debian:bookworm-slim (runtime stage)
#   saga-local/swift:6.3-bookworm            stands in for swift:6.3-bookworm (build stage): the
#                                            machine's toolchain, its package mirror and its git
#                                            redirect to that mirror
#   saga-local/rabbitmq:3.10-management      stands in for rabbitmq:3.10-management (broker)
#
# Environment: SWIFT_TOOLCHAIN (default /opt/swift), SWIFT_PACKAGE_MIRROR (default the
# directory the machine's git `url.<dir>.insteadOf` rule points to, if any).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")"
source ./images.env

SWIFT_TOOLCHAIN="${SWIFT_TOOLCHAIN:-/opt/swift}"
FORCE="${FORCE:-0}"

log() { echo "base-images: $*"; }

has_image() { [ "$FORCE" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }

# ---- Debian bookworm (debootstrap --variant=minbase, then docker import) -----------------------
build_debian() {
    if has_image "$LOCAL_DEBIAN_IMAGE"; then log "$LOCAL_DEBIAN_IMAGE exists"; return; fi
    command -v debootstrap >/dev/null || { echo "base-images: debootstrap is not installed" >&2; exit 1; }
    local root
    root="$(mktemp -d /var/tmp/saga-bookworm.XXXXXX)"
    trap 'rm -rf "$root"' RETURN
    log "debootstrap --variant=minbase bookworm"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >/dev/null
    # What the slim image does too: no caches or documentation, apt lists removed.
    rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/usr/share/doc/* \
           "$root"/usr/share/man/* "$root"/usr/share/locale/*
    tar -C "$root" -c . | docker import \
        --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        --change 'CMD ["bash"]' - "$LOCAL_DEBIAN_IMAGE" >/dev/null
    log "$LOCAL_DEBIAN_IMAGE built"
}

# Runs SCRIPT in a container of $LOCAL_DEBIAN_IMAGE with the extra `docker run` options given,
# then commits the container as IMAGE with the `--change` instructions given after `--`.
commit_from_debian() {
    local image="$1" script="$2"; shift 2
    local run_options=() changes=()
    while [ $# -gt 0 ] && [ "$1" != -- ]; do run_options+=("$1"); shift; done
    [ $# -gt 0 ] && shift
    for change in "$@"; do changes+=(--change "$change"); done
    local container="saga-base-build-$$"
    docker rm -f "$container" >/dev/null 2>&1 || true
    if ! docker run --name "$container" "${run_options[@]}" "$LOCAL_DEBIAN_IMAGE" bash -euo pipefail -c "$script"; then
        docker rm -f "$container" >/dev/null 2>&1 || true
        echo "base-images: building $image failed" >&2
        exit 1
    fi
    docker commit "${changes[@]}" "$container" "$image" >/dev/null
    docker rm "$container" >/dev/null
    log "$image built"
}

# ---- Swift 6.3 builder: the toolchain, the package mirror and the git redirect -----------------
build_swift() {
    if has_image "$LOCAL_SWIFT_IMAGE"; then log "$LOCAL_SWIFT_IMAGE exists"; return; fi
    [ -x "$SWIFT_TOOLCHAIN/usr/bin/swift" ] || { echo "base-images: no Swift toolchain in $SWIFT_TOOLCHAIN" >&2; exit 1; }
    # The machine's git redirects (any scope), e.g. url./opt/swift-packages/.insteadOf https://github.com/
    local rules mirror
    rules="$(git config --get-regexp '^url\..*\.insteadof$' || true)"
    mirror="${SWIFT_PACKAGE_MIRROR:-$(printf '%s\n' "$rules" | sed -n 's/^url\.\(\/.*\)\.insteadof .*/\1/p' | head -n 1)}"
    mirror="${mirror%/}"
    local mounts=(-v "$SWIFT_TOOLCHAIN:/mnt/toolchain:ro") copy_mirror=":"
    if [ -n "$mirror" ]; then
        [ -d "$mirror" ] || { echo "base-images: package mirror $mirror is not a directory" >&2; exit 1; }
        mounts+=(-v "$mirror:/mnt/mirror:ro")
        copy_mirror="mkdir -p '$(dirname "$mirror")' && cp -a /mnt/mirror '$mirror'"
    fi
    local git_rules=""
    while read -r key value; do
        [ -n "$key" ] || continue
        git_rules+="git config --system --add '$key' '$value'; "
    done <<<"$rules"
    log "$LOCAL_SWIFT_IMAGE from $SWIFT_TOOLCHAIN${mirror:+ and the mirror $mirror}"
    # The run-time libraries of the Swift toolchain on bookworm (as in the upstream swift image).
    commit_from_debian "$LOCAL_SWIFT_IMAGE" "
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            binutils git ca-certificates libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev \
            libncurses6 libsqlite3-0 libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata \
            unzip zlib1g-dev >/dev/null
        rm -rf /var/lib/apt/lists/*
        mkdir -p /opt && cp -a /mnt/toolchain '$SWIFT_TOOLCHAIN'
        $copy_mirror
        $git_rules
        true" "${mounts[@]}" -- \
        "ENV PATH=$SWIFT_TOOLCHAIN/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin" \
        'CMD ["bash"]'
}

# ---- RabbitMQ 3.10 with the management plugin, from Debian's rabbitmq-server package ------------
# Laid out like the upstream image where compose.yaml relies on it: configuration read from
# /etc/rabbitmq/conf.d, data in /var/lib/rabbitmq, the node named rabbit@<hostname>, the server in
# the foreground as the rabbitmq user logging to stdout (not Debian's wrapper, which sends the
# output to /var/log/rabbitmq/startup_log), AMQP on 5672 and the management UI on 15672.
build_rabbitmq() {
    if has_image "$LOCAL_RABBITMQ_IMAGE"; then log "$LOCAL_RABBITMQ_IMAGE exists"; return; fi
    log "$LOCAL_RABBITMQ_IMAGE from Debian's rabbitmq-server"
    commit_from_debian "$LOCAL_RABBITMQ_IMAGE" "
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends rabbitmq-server >/dev/null
        rm -rf /var/lib/apt/lists/* /var/lib/rabbitmq/mnesia /var/log/rabbitmq/*
        mkdir -p /etc/rabbitmq/conf.d
        echo '[rabbitmq_management,rabbitmq_prometheus].' > /etc/rabbitmq/enabled_plugins
        chown -R rabbitmq:rabbitmq /etc/rabbitmq /var/lib/rabbitmq /var/log/rabbitmq" -- \
        'ENV RABBITMQ_LOGS=-' \
        'USER rabbitmq' \
        'EXPOSE 5672 15672' \
        'CMD ["/usr/lib/rabbitmq/bin/rabbitmq-server"]'
}

build_debian
build_swift
build_rabbitmq
