#!/usr/bin/env bash
# Base images for deploy/docker/Dockerfile on a machine that reaches no container registry but
# does reach a Debian mirror: debootstrap's minbase of bookworm, slimmed the way Debian's own
# -slim images are (no docs, man pages or locales; dpkg told to keep it so), imported into
# podman as docker.io/library/debian:bookworm-slim and :bookworm (the build stages get the same
# base; their apt-get installs the compilers). The root filesystem's tarball is kept in
# .deps/container/, so a second machine setup or a podman reset imports it without debootstrap.
# Source after common.sh.
set -euo pipefail

etp_container_images=(docker.io/library/debian:bookworm-slim docker.io/library/debian:bookworm)

# etp_container_base ROOT: makes sure podman has both base images.
etp_container_base() {
    local root=$1 image missing=0
    for image in "${etp_container_images[@]}"; do
        podman image exists "$image" || missing=1
    done
    ((missing)) || return 0

    local cache=$root/.deps/container tarball=$root/.deps/container/debian-bookworm-minbase.tar.gz
    if [[ ! -f $tarball ]]; then
        command -v debootstrap >/dev/null || etp_die "debootstrap is missing (scripts/install-deps)"
        local mirror security rootfs
        mirror=${ETP_DEBIAN_MIRROR:-$(etp_apt_archive_uri bookworm)}
        security=$(etp_apt_archive_uri bookworm-security)
        [[ -n $mirror ]] || etp_die "no Debian archive in /etc/apt/sources.list{,.d/}; set ETP_DEBIAN_MIRROR"
        rootfs=$(mktemp -d "${TMPDIR:-/tmp}/etp-rootfs.XXXXXX")
        etp_note "debootstrap: Debian bookworm minbase from $mirror (once; cached in $cache)"
        if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$rootfs.log" 2>&1; then
            tail -n 20 "$rootfs.log" >&2
            rm -rf "$rootfs" "$rootfs.log"
            etp_die "debootstrap failed"
        fi
        {
            echo "deb $mirror bookworm main"
            echo "deb $mirror bookworm-updates main"
            [[ -z $security ]] || echo "deb $security bookworm-security main"
        } >"$rootfs/etc/apt/sources.list"
        # As Debian's -slim images: later installs leave these out too.
        cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'SLIM'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
SLIM
        cat >"$rootfs/etc/apt/apt.conf.d/docker-clean" <<'CLEAN'
DPkg::Post-Invoke { "rm -f /var/cache/apt/archives/*.deb /var/cache/apt/*.bin || true"; };
APT::Install-Recommends "false";
CLEAN
        find "$rootfs/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
        find "$rootfs/usr/share/doc" -mindepth 1 -type d -empty -delete
        find "$rootfs/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias \
            -exec rm -rf {} +
        rm -rf "$rootfs"/usr/share/{man,info,lintian}/* "$rootfs"/var/cache/apt/* \
            "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/* "$rootfs"/tmp/*
        mkdir -p "$cache"
        tar --numeric-owner -C "$rootfs" -czf "$tarball.part" .
        mv "$tarball.part" "$tarball"
        rm -rf "$rootfs" "$rootfs.log"
    fi
    etp_note "importing $tarball as ${etp_container_images[*]}"
    podman import --quiet "$tarball" "${etp_container_images[0]}" >/dev/null
    podman tag "${etp_container_images[0]}" "${etp_container_images[1]}"
}
