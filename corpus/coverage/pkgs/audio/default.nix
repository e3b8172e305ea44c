# Two fetch sites behind config keys: one given as an argument by all-packages.nix
# (`pulseSupport = config.pulseaudio or false`), one read here.
{ stdenv, fetchurl, config, pulseSupport ? false }:

stdenv.mkDerivation {
  name = "audio-player-1.0";
  src = fetchurl {
    url = "http://example.org/audio-player-1.0.tar.gz";
    sha256 = "10iyb2fjlp038nvsqcfkna1rwd061ysxg8jrcycng65rxif7ihr8";
  };
  plugins = stdenv.lib.optional pulseSupport (fetchurl {
    url = "http://example.org/audio-pulse-plugin.tar.gz";
    sha256 = "13fad8hx9vl3mil5m3ac8aal6ckzq5yk80kz7z3fpzbxilbkr2pq";
  }) ++ stdenv.lib.optional (config.audio.hq or false) (fetchurl {
    url = "http://example.org/audio-hq-samples.tar.gz";
    sha256 = "110862c70lq2g8nsirv7047b3hpyfpzkl2wzzzvaxxprif7s134b";
  });
}
