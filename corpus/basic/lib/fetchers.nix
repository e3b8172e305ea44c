# Fake fetchers shaped like nixpkgs' ones (same environment variable names,
# same outputHashMode). None of them uses the stdenv, so a fetcher's build
# closure is just the fetcher derivation itself.
{ system, lib }:

let
  baseName = url: baseNameOf (toString url);
  stripGit = n: let l = builtins.stringLength n; in
    if lib.hasSuffix ".git" n then builtins.substring 0 (l - 4) n else n;
  hashArgs = { sha256 ? "", sha1 ? "", sha512 ? "", hash ? "" }:
    if hash != "" then { outputHash = hash; outputHashAlgo = ""; }
    else if sha512 != "" then { outputHash = sha512; outputHashAlgo = "sha512"; }
    else if sha1 != "" then { outputHash = sha1; outputHashAlgo = "sha1"; }
    else { outputHash = sha256; outputHashAlgo = "sha256"; };

  # Like nixpkgs' fetchurl/mirrors.nix: mirror://SITE/path is tried at each prefix of SITE.
  mirrors = {
    gnu = [ "http://ftpmirror.example.org/gnu/" "ftp://ftp.example.org/pub/gnu/" ];
    hashedMirrors = [ "http://tarballs.example.org" ];
  };
  # Like nixpkgs' `mirrorsFile`: a derivation whose environment holds one list per site
  # (a space-separated string in the .drv); every fetchurl names its output.
  mirrorsFile = derivation ({
    name = "mirrors-list";
    inherit system;
    builder = "/bin/sh";
    args = [ "-c" "set > $out" ];
  } // mirrors);

  # Like nixpkgs' `writeScript`: the script is the `text` of a derivation.
  writeScript = name: text: derivation {
    inherit name system text;
    builder = "/bin/sh";
    args = [ "-c" "echo -n \"$text\" > $out" ];
  };
in
rec {
  # flat; env `urls` = list of urls (a space-separated string in the .drv), `mirrorsFile`
  fetchurl = { url ? null, urls ? [ url ], name ? baseName (builtins.head urls)
             , sha256 ? "", sha1 ? "", sha512 ? "", hash ? "", postFetch ? "" }:
    derivation ({
      inherit name system urls postFetch mirrorsFile;
      builder = "/bin/sh";
      args = [ "-c" "echo fake fetchurl; exit 1" ];
      outputHashMode = "flat";
      preferLocalBuild = true;
    } // hashArgs { inherit sha256 sha1 sha512 hash; });

  # a fetchurl variant (flat)
  fetchpatch = { url, name ? baseName url, sha256 ? "", hash ? "" }:
    fetchurl {
      inherit url name sha256 hash;
      postFetch = "lsdiff --strip=1 $out"; # nixpkgs-ish normalisation
    };

  # recursive; env `urls`; default name "source" like nixpkgs
  fetchzip = { url ? null, urls ? [ url ], name ? "source", sha256 ? "", hash ? "" }:
    derivation ({
      inherit name system urls;
      builder = "/bin/sh";
      args = [ "-c" "echo fake fetchzip; exit 1" ];
      outputHashMode = "recursive";
    } // hashArgs { inherit sha256 hash; });

  # recursive; env url rev fetchSubmodules leaveDotGit deepClone
  fetchgit = { url, rev, sha256 ? "", hash ? ""
             , name ? "${stripGit (baseName url)}-${builtins.substring 0 7 rev}"
             , fetchSubmodules ? true, leaveDotGit ? false, deepClone ? false }:
    derivation ({
      inherit name system url rev fetchSubmodules leaveDotGit deepClone;
      builder = "/bin/sh";
      args = [ "-c" "echo fake fetchgit; exit 1" ];
      outputHashMode = "recursive";
    } // hashArgs { inherit sha256 hash; });

  # recursive; env url rev ignoreExternals
  fetchsvn = { url, rev, sha256, name ? "${baseName url}-r${toString rev}"
             , ignoreExternals ? false }:
    derivation ({
      inherit name system url ignoreExternals;
      rev = toString rev;
      builder = "/bin/sh";
      args = [ "-c" "echo fake fetchsvn; exit 1" ];
      outputHashMode = "recursive";
    } // hashArgs { inherit sha256; });

  # recursive; env url rev subrepoClause
  fetchhg = { url, rev, sha256, name ? "${baseName url}-${rev}", fetchSubrepos ? false }:
    derivation ({
      inherit name system url rev;
      subrepoClause = if fetchSubrepos then "S" else "";
      builder = "/bin/sh";
      args = [ "-c" "echo fake fetchhg; exit 1" ];
      outputHashMode = "recursive";
    } // hashArgs { inherit sha256; });

  # flat; NO url in the env; as in nixpkgs, bash runs the script "...-restrict-message" (a
  # writeScript) that prints the message between `***` lines
  requireFile = { name, sha256, message ? "Please add ${name} to the store", url ? null }:
    derivation ({
      inherit name system;
      builder = "/bin/sh";
      args = [ "-e" (writeScript "restrict-message" ''
        cat <<_EOF_

        ***
        ${message}
        ***

        _EOF_
        exit 1
      '') ];
      outputHashMode = "flat";
      preferLocalBuild = true;
      allowSubstitutes = false;
    } // hashArgs { inherit sha256; });
}
