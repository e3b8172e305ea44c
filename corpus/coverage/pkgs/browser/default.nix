# The source is picked by the string option `config.i18n.defaultLocale` and the system.
{ stdenv, fetchurl, config }:

let
  sources = import ./sources.nix;
  arch = if stdenv.system == "i686-linux" then "linux-i686" else "linux-x86_64";
  locale = config.i18n.defaultLocale or "en-US";
  matching = l: builtins.filter (s: s.locale == l && s.arch == arch) sources;
  found = matching locale;
  source = builtins.head (if found == [ ] then matching "en-US" else found);
in
stdenv.mkDerivation {
  name = "browser-bin-1.0";
  src = fetchurl {
    url = "http://example.org/${source.arch}/${source.locale}/browser-1.0.tar.bz2";
    inherit (source) sha256;
  };
}
