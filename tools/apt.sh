# Sourced by tools/bootstrap.sh and tools/debian13.sh: Debian packages installed one way, with
# retries (a mirror's hiccup on a fresh machine must not fail the set-up).
apt_install() {
  apt-get -o Acquire::Retries=3 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends \
    "$@" >/dev/null
}

# apt_install of a server (nginx) whose service must not run: not started (Debian's policy-rc.d,
# unless the machine has one of its own) and, under systemd, not enabled for the next boot.
apt_install_stopped() {
  local policy=/usr/sbin/policy-rc.d own=
  if [ ! -e "$policy" ]; then
    own=1
    printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod 755 "$policy"
  fi
  local status=0
  apt_install "$@" || status=$?
  [ -z "$own" ] || rm -f "$policy"
  [ ! -d /run/systemd/system ] || systemctl disable --now nginx >/dev/null 2>&1 || true
  return $status
}
