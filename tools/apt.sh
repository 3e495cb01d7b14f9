# Sourced by tools/bootstrap.sh and tools/debian13.sh: Debian packages installed one way, with
# retries (a mirror's hiccup on a fresh machine must not fail the set-up).
apt_install() {
  apt-get -o Acquire::Retries=3 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o Acquire::Retries=3 install -y -qq --no-install-recommends \
    "$@" >/dev/null
}
