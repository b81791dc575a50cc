#!/usr/bin/env bash
# Rehearses the README's two set-up commands on a fresh Debian: a minimal
# bookworm (debootstrap --variant=minbase: no compiler, no make, no Python)
# in a folder, a clean clone of this repository's HEAD inside it, then
# scripts/quickstart.sh and scripts/test.sh run in a chroot, as root, with
# Debian's packages only. A green CI on a machine that already has the
# packages cannot show a missing install step; this can.
#   sudo scripts/rehearse_fresh_machine.sh [ROOT]    (default /srv/relulab-fresh)
# Needs root, debootstrap (installed if missing) and Debian's mirror; takes
# 20-30 minutes on 2 cores, most of it apt and the build. The logs go to
# ROOT.quickstart.log and ROOT.test.log; the folder is kept for inspection.
set -euo pipefail
root=${1:-/srv/relulab-fresh}
source=$(cd "$(dirname "$0")/.." && pwd)
[[ $(id -u) -eq 0 ]] || { echo "rehearse_fresh_machine: run as root (chroot and debootstrap need it)" >&2; exit 1; }
[[ -e "$root" ]] && { echo "rehearse_fresh_machine: $root exists; remove it or name another folder" >&2; exit 1; }
command -v debootstrap > /dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap

debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian > "$root.debootstrap.log"
cp /etc/resolv.conf "$root/etc/"
cat > "$root/etc/apt/sources.list" <<'EOF'
deb http://deb.debian.org/debian bookworm main
deb http://deb.debian.org/debian bookworm-updates main
deb http://deb.debian.org/debian-security bookworm-security main
EOF
for fs in proc sys dev dev/pts; do mount --bind "/$fs" "$root/$fs"; done
trap 'for fs in dev/pts dev sys proc; do umount "$root/$fs" || true; done' EXIT
git clone -q "$source" "$root/root/relulab"

in_chroot() {
  chroot "$root" /usr/bin/env -i HOME=/root PATH=/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
    bash -c "cd /root/relulab && $1"
}
status=0
in_chroot "bash scripts/quickstart.sh" > "$root.quickstart.log" 2>&1 || status=1
tail -n 8 "$root.quickstart.log"
in_chroot "bash scripts/test.sh" > "$root.test.log" 2>&1 || status=1
grep -E "tests passed|FAILED|Failed" "$root.test.log" || true
exit $status
