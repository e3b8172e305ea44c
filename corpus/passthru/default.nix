# Sources hung on derivations: what mkDerivation's passthru adds to a derivation (a set of
# data sets, a package set as `python.pkgs`, tests) is reachable from nowhere else, so the walk
# enters a derivation's own attributes, but not its outputs, its arguments, `passthru` itself
# (its members are the derivation's), `meta` or the override functions. Self-contained, one
# cell; nothing is built; hashes are fake. Expectations by hand in expected.json; see
# ../README.md.
{ system ? builtins.currentSystem, config ? { } }:

let
  fakeSha256 = seed: builtins.hashString "sha256" seed;
  fetchurl = { url, sha256 }: derivation {
    name = baseNameOf url;
    inherit system url;
    builder = "/bin/sh";
    outputHashMode = "flat";
    outputHashAlgo = "sha256";
    outputHash = sha256;
  };
  src = name: fetchurl {
    url = "http://example.org/${name}.tar.gz";
    sha256 = fakeSha256 name;
  };
  # As nixpkgs' mkDerivation: the arguments but meta and passthru go to `derivation`; passthru's
  # members are merged into the result, which also carries meta, passthru and overrideAttrs.
  mkDerivation = attrs@{ passthru ? { }, meta ? { }, ... }:
    let
      drv = derivation (builtins.removeAttrs attrs [ "passthru" "meta" ] // {
        inherit system;
        builder = "/bin/sh";
        args = [ "-c" "echo > $out" ];
      });
    in
    drv // passthru // {
      inherit meta passthru;
      overrideAttrs = f: mkDerivation (attrs // f attrs);
    };

  # A package set that only the interpreter's `pkgs` exposes; each package carries the
  # interpreter again (a cycle through a derivation entered once).
  pythonPackages = {
    six = mkDerivation {
      name = "six-1.10";
      src = src "six-1.10";
      passthru = { inherit python; };
    };
  };
  python = mkDerivation {
    name = "python-2.7";
    src = src "python-2.7";
    passthru = {
      pkgs = pythonPackages;
      sitePackages = "lib/python2.7/site-packages";
      buildEnv = paths: mkDerivation { name = "env"; inherit paths; };
      tests.smoke = mkDerivation {
        name = "python-smoke-test";
        src = src "python-smoke-data";
      };
    };
  };

  self = {
    # Data sets in a passthru set (lhapdf.passthru.pdf_sets in nixpkgs).
    lhapdf = mkDerivation {
      name = "lhapdf-6.1";
      src = src "lhapdf-6.1";
      passthru.pdf_sets = {
        CT10 = mkDerivation { name = "CT10"; src = src "CT10"; };
        MSTW = mkDerivation { name = "MSTW"; src = src "MSTW"; };
      };
    };

    inherit python;

    # The interpreter again, hung on another package: entered once, under `python`.
    zope = mkDerivation {
      name = "zope-4.0";
      src = src "zope-4.0";
      passthru = { inherit python; };
    };

    # A second output is not walked; its argument `extra` is in its closure already; the
    # passthru attribute `docs` is walked; `meta.tests` and an override-named attribute are not.
    multi = mkDerivation {
      name = "multi-1.0";
      outputs = [ "out" "dev" ];
      src = src "multi-1.0";
      extra = src "multi-extra";
      passthru = {
        docs = mkDerivation { name = "multi-docs"; src = src "multi-docs"; };
        overrideSources = src "multi-hidden-by-override";
      };
      meta.tests = mkDerivation { name = "meta-test"; src = src "multi-hidden-in-meta"; };
    };

    # Attributes that fail each cost only themselves: a throw, infinite recursion, a missing
    # attribute, a list too long to walk (too-large, with its length); a function is skipped,
    # and the derivation still counts.
    flaky = mkDerivation {
      name = "flaky-1.0";
      src = src "flaky-1.0";
      passthru = {
        throws = throw "flaky.throws is broken";
        loops = let x = x; in x;
        missing = { }.nothing;
        huge = builtins.genList (i: i) 1000000;
        helper = x: x;
        ok = mkDerivation { name = "flaky-ok"; src = src "flaky-ok"; };
      };
    };
  };
in
self
