#!/usr/bin/env bash
# Builds the real S3-compatible server the recording tests upload to: Ceph RADOS Gateway 20.2 from
# Debian testing (forky) in a chroot at $AIRCHECK_CEPH_ROOT (default /var/lib/aircheck-test/ceph-root).
# The recipe is the one verified in /work/shared/FACTS.md. Idempotent: when the marker inside the
# chroot matches this script's recipe it only prints one line. Nothing is left running or mounted;
# the only state outside the chroot is the host's debootstrap package (installed when missing).
# test/helpers/s3-server.ts starts the daemons from this chroot. Must run as root.
set -euo pipefail

ROOT="${AIRCHECK_CEPH_ROOT:-/var/lib/aircheck-test/ceph-root}"
SUITE=forky
PACKAGES=(radosgw ceph-mon ceph-osd uuid-runtime curl bc)
# Bump RECIPE when the steps below change in a way the package list does not show.
RECIPE=1
STAMP="recipe=$RECIPE suite=$SUITE packages=${PACKAGES[*]}"
MARKER="$ROOT/.aircheck-s3-server"

if [[ -f "$MARKER" && "$(<"$MARKER")" == "$STAMP" ]]; then
  echo "setup-s3-server: Ceph RGW chroot at $ROOT is ready, nothing to do"
  exit 0
fi

if ((EUID != 0)); then
  echo "setup-s3-server: the Ceph RGW chroot at $ROOT is missing or stale and building it needs root" >&2
  exit 1
fi

STARTED=$SECONDS
BUILD="$ROOT.partial"
LOGS=$(mktemp -d /tmp/setup-s3-server.XXXXXX)

# One build at a time (a lock on the parent directory, no extra file); re-check once we hold it.
mkdir -p "$(dirname "$ROOT")"
exec 9<"$(dirname "$ROOT")"
flock 9
if [[ -f "$MARKER" && "$(<"$MARKER")" == "$STAMP" ]]; then
  rm -rf "$LOGS"
  echo "setup-s3-server: Ceph RGW chroot at $ROOT is ready (built by a concurrent run)"
  exit 0
fi

# The Debian mirror this machine already uses (first URIs: of a deb822 source that is not the
# security archive), else the classic sources.list, else deb.debian.org.
find_mirror() {
  local uri=''
  if compgen -G '/etc/apt/sources.list.d/*.sources' >/dev/null; then
    uri=$(awk '/^URIs:/ { for (i = 2; i <= NF; i++) if ($i !~ /security/) { print $i; exit } }' \
      /etc/apt/sources.list.d/*.sources)
  fi
  if [[ -z "$uri" && -f /etc/apt/sources.list ]]; then
    uri=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^https?:/) { print $i; exit } }' \
      /etc/apt/sources.list)
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

# Unmounts everything mounted at or below a directory (deepest first).
unmount_below() {
  local dir="$1" m
  [[ -d "$dir" ]] || return 0
  dir=$(realpath "$dir")
  # findmnt prints the targets; reverse order so nested mounts go first.
  while read -r m; do
    [[ -n "$m" ]] && umount -l "$m" 2>/dev/null || true
  done < <(findmnt -rn -o TARGET | awk -v d="$dir" 'index($0, d "/") == 1 || $0 == d' | sort -r)
}

# Removes a directory only once nothing is mounted below it (a bind-mounted /dev must never be
# deleted through the chroot).
safe_remove() {
  local dir="$1"
  [[ -e "$dir" ]] || return 0
  unmount_below "$dir"
  if findmnt -rn -o TARGET | awk -v d="$(realpath "$dir")" 'index($0, d "/") == 1 { found = 1 } END { exit !found }'; then
    echo "setup-s3-server: refusing to delete $dir: something is still mounted below it" >&2
    exit 1
  fi
  rm -rf --one-file-system "$dir"
}

cleanup() {
  local rc=$?
  unmount_below "$BUILD"
  rm -f "$BUILD/usr/local/sbin/systemctl" "$BUILD/usr/sbin/policy-rc.d" 2>/dev/null || true
  if ((rc != 0)); then
    # fd 8: the script's own stderr (the trap may fire inside a block redirected to a log)
    echo "setup-s3-server: FAILED (exit $rc); the partial chroot is left at $BUILD, logs in $LOGS" >&8
  else
    rm -rf "$LOGS"
  fi
}
exec 8>&2
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

if ! command -v debootstrap >/dev/null 2>&1 || [[ ! -f /usr/share/debootstrap/scripts/sid ]]; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap; } \
    >"$LOGS/host-apt.log" 2>&1 || {
    echo "setup-s3-server: installing debootstrap on the host failed:" >&2
    tail -n 20 "$LOGS/host-apt.log" >&2
    exit 1
  }
fi

MIRROR=$(find_mirror)
safe_remove "$BUILD"

# Debian's bookworm debootstrap does not know "forky" by name: use the sid script, as verified.
debootstrap --variant=minbase "$SUITE" "$BUILD" "$MIRROR" /usr/share/debootstrap/scripts/sid \
  >"$LOGS/debootstrap.log" 2>&1 || {
  echo "setup-s3-server: debootstrap failed, see $LOGS/debootstrap.log" >&2
  tail -n 20 "$LOGS/debootstrap.log" >&2
  exit 1
}

# No service may start inside the chroot; ceph-mon's postinst calls systemctl.
printf '#!/bin/sh\nexit 101\n' >"$BUILD/usr/sbin/policy-rc.d"
chmod 755 "$BUILD/usr/sbin/policy-rc.d"
mkdir -p "$BUILD/usr/local/sbin"
ln -sf /bin/true "$BUILD/usr/local/sbin/systemctl"

mount -t proc proc "$BUILD/proc"
mount --bind /dev "$BUILD/dev"

in_chroot() {
  chroot "$BUILD" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8 "$@"
}
# The mirror's index for testing is past its Valid-Until.
{
  in_chroot apt-get -qq -o Acquire::Check-Valid-Until=false update &&
    in_chroot apt-get install -y -qq --no-install-recommends -o Acquire::Check-Valid-Until=false "${PACKAGES[@]}"
} >"$LOGS/apt-install.log" 2>&1 || {
  echo "setup-s3-server: apt-get install failed, see $LOGS/apt-install.log" >&2
  tail -n 20 "$LOGS/apt-install.log" >&2
  exit 1
}
in_chroot apt-get clean
VERSION=$(in_chroot dpkg-query -W -f '${Version}' radosgw)

# Run directories of s3-server.ts live here (one per instance).
mkdir -p "$BUILD/run/aircheck"

unmount_below "$BUILD"
rm -f "$BUILD/usr/local/sbin/systemctl" "$BUILD/usr/sbin/policy-rc.d"

echo "$STAMP" >"$BUILD/.aircheck-s3-server"
safe_remove "$ROOT"
mv "$BUILD" "$ROOT"
echo "setup-s3-server: built the Ceph RGW $VERSION chroot at $ROOT in $((SECONDS - STARTED)) s"
