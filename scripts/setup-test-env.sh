#!/usr/bin/env bash
# Makes sure the machine has the real peers the integration tests drive (icecast2, ffmpeg,
# Liquidsoap, ezstream, shout, sox, opus-tools, GStreamer with shout2send, ices2) and the e2e tests' Debian chromium. Idempotent and fast when all is present:
# it only looks binaries up on PATH; apt runs only for what is missing. Run by `npm test`.
set -euo pipefail

# binary → Debian package that provides it
declare -A PEER_PACKAGES=(
  [icecast2]=icecast2
  [ffmpeg]=ffmpeg
  [ffprobe]=ffmpeg
  [liquidsoap]=liquidsoap
  [ezstream]=ezstream
  [shout]=libshout-tools
  [sox]=sox
  [opusenc]=opus-tools
  [gst-launch-1.0]=gstreamer1.0-tools
  [gst-inspect-1.0]=gstreamer1.0-tools
  [ices2]=ices2
  [firefox-esr]=firefox-esr  # test/e2e/studio-firefox.test.ts (driven by puppeteer-core over WebDriver BiDi)
  [pulseaudio]=pulseaudio  # its audio output: a null sink (headless Firefox needs one to run an AudioContext)
  [WebKitWebDriver]=webkit2gtk-driver  # test/e2e/studio-webkit.test.ts (WebKitGTK's MiniBrowser)
  [Xvfb]=xvfb  # its display
  [certutil]=libnss3-tools  # test/e2e/studio-https.test.ts: trusts the test CA in Chromium's NSS db
  [openssl]=openssl
  [nginx]=nginx-light  # test/integration/reverse-proxy.test.ts: the README's proxy setups
  [caddy]=caddy
  [cvlc]=vlc-bin  # test/integration/ogg-players.test.ts: VLC through a fallback and return (plugins below)
  [mpv]=mpv  # the same test's measured players (AIRCHECK_MEASURE_PLAYERS=1)
  [ogg123]=vorbis-tools
)

# GStreamer element → Debian package that provides it (libshout's default handshake tests drive
# shout2send; these are plugins, not binaries, so gst-inspect-1.0 looks them up).
declare -A GST_PLUGIN_PACKAGES=(
  [shout2send]=gstreamer1.0-plugins-good
  [lamemp3enc]=gstreamer1.0-plugins-good
  [vorbisenc]=gstreamer1.0-plugins-base
  [oggmux]=gstreamer1.0-plugins-base
  [audiotestsrc]=gstreamer1.0-plugins-base
  [souphttpsrc]=gstreamer1.0-plugins-good  # test/integration/ogg-players.test.ts: souphttpsrc ! decodebin
  [opusdec]=gstreamer1.0-plugins-base
)

APT_UPDATED=0
ACTIONS=()

# Prints the packages (deduplicated) whose binary is missing, for a binary→package map name.
missing_packages() {
  local -n map="$1"
  local bin
  local -A want=()
  for bin in "${!map[@]}"; do
    command -v "$bin" >/dev/null 2>&1 || want["${map[$bin]}"]=1
  done
  if ((${#want[@]} > 0)); then printf '%s\n' "${!want[@]}" | sort; fi
}

# apt-get update at most once per run, then install the given packages.
apt_install() {
  if ((EUID != 0)); then
    echo "setup-test-env: missing packages ($*) and not root: install them with apt-get" >&2
    exit 1
  fi
  if ((APT_UPDATED == 0)); then
    apt-get update -qq
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_peers() {
  local pkgs
  mapfile -t pkgs < <(missing_packages PEER_PACKAGES)
  if ((${#pkgs[@]} > 0)); then
    apt_install "${pkgs[@]}"
    ACTIONS+=("installed ${pkgs[*]}")
  fi
}

# GStreamer plugins (after ensure_peers, which provides gst-inspect-1.0): installs the packages of
# the elements gst-inspect-1.0 cannot find.
ensure_gst_plugins() {
  local element pkgs
  local -A want=()
  for element in "${!GST_PLUGIN_PACKAGES[@]}"; do
    gst-inspect-1.0 "$element" >/dev/null 2>&1 || want["${GST_PLUGIN_PACKAGES[$element]}"]=1
  done
  if ((${#want[@]} > 0)); then
    mapfile -t pkgs < <(printf '%s\n' "${!want[@]}" | sort)
    apt_install "${pkgs[@]}"
    ACTIONS+=("installed ${pkgs[*]}")
  fi
}

# VLC's demuxers, decoders and file audio output (test/integration/ogg-players.test.ts) are plugins,
# found by their files.
ensure_vlc_plugins() {
  if ! compgen -G '/usr/lib/*/vlc/plugins/demux/libogg_plugin.so' >/dev/null; then
    apt_install vlc-plugin-base
    ACTIONS+=("installed vlc-plugin-base")
  fi
}

# Debian's chromium for the e2e tests (test/e2e/, driven by playwright-core at /usr/bin/chromium;
# Playwright's own browser download cannot work here). Only a file test when it is present.
ensure_browser() {
  if [[ ! -x /usr/bin/chromium ]]; then
    apt_install chromium
    ACTIONS+=("installed chromium")
  fi
}

# The real S3-compatible server for the recording tests: Ceph RGW 20 in a chroot (FACTS.md). Its own
# script is idempotent (a marker file; < 10 ms when in place) and prints one line.
ensure_s3_server() {
  bash "$(dirname "${BASH_SOURCE[0]}")/setup-s3-server.sh"
}

main() {
  ensure_peers
  ensure_gst_plugins
  ensure_vlc_plugins
  ensure_browser
  ensure_s3_server
  if ((${#ACTIONS[@]} == 0)); then
    echo "setup-test-env: all test peers present, nothing to do"
  else
    local IFS=';'
    echo "setup-test-env: ${ACTIONS[*]}"
  fi
}

main "$@"
