# A small synthetic, nixpkgs-shaped package collection used as a test corpus
# for fodfuzz. No real nixpkgs: see lib/ for the fake lib, stdenv and fetchers.
# Nothing here is ever built; every outputHash is fake (but well-formed).
#
#   import ./corpus/basic { system = "aarch64-linux"; config = { pulseaudio = true; }; }
#
# Every case below has a comment saying what it tests; the expectations are in
# expected.json (hand-written) and explained in ../README.md.
{ system ? builtins.currentSystem, config ? { } }:

let
  lib = import ./lib/lib.nix;
  inherit (lib) fakeSha256 fakeSha1 fakeSha512 optional;
  stdenvSet = import ./lib/stdenv.nix { inherit system config lib; };
  inherit (stdenvSet) mkDerivation isDarwin isAarch64;
  fetchers = import ./lib/fetchers.nix { inherit system lib; };
  inherit (fetchers) fetchurl fetchpatch fetchzip fetchgit fetchsvn fetchhg requireFile;

  # Shared source: the same FOD derivation value used by two packages and
  # exposed at top level.
  helloSrc = fetchurl {
    url = "http://ftp.example.org/gnu/hello/hello-2.12.tar.gz";
    sha256 = fakeSha256 "hello-2.12";
  };

  # Scope helper shaped like lib.makeScope: the result carries callPackage,
  # newScope, override, overrideScope, packages (all functions).
  makeScope = f:
    let
      scope = f scope // {
        callPackage = fn: args: fn args;
        newScope = extra: fn: args: fn (extra // args);
        override = g: makeScope f;
        overrideScope = g: makeScope f;
        packages = f;
      };
    in scope;

  self = {
    # ---- ordinary packages --------------------------------------------------

    # Plain package with a fetchurl src (shares its FOD with hello-static and
    # hello-src). Also pulls in stdenv -> bootstrap-tools.
    hello = mkDerivation {
      pname = "hello";
      version = "2.12";
      src = helloSrc;
    };

    # Shares the very same src FOD as `hello`.
    hello-static = mkDerivation {
      pname = "hello-static";
      version = "2.12";
      src = helloSrc;
    };

    # A top-level attribute that is itself a FOD (closure = the FOD itself).
    hello-src = helloSrc;

    # Another top-level FOD, with two mirror urls and a sha1 hash
    # (expected hash "sha1-...", urls = both mirrors).
    some-src = fetchurl {
      urls = [
        "http://mirror-a.example.org/some/some-src-1.0.tar.bz2"
        "http://mirror-b.example.org/some/some-src-1.0.tar.bz2"
      ];
      sha1 = fakeSha1 "some-src-1.0";
    };

    # mirror:// urls, as nixpkgs writes them: fetchurl's mirrors list (lib/fetchers.nix) names
    # two prefixes for `gnu` and none for `nosuch`; the sha256 is written in Nix's base32
    # (= sha256("mirrored-1.0")), as most hashes of older nixpkgs are.
    mirrored = mkDerivation {
      pname = "mirrored";
      version = "1.0";
      src = fetchurl {
        urls = [
          "mirror://gnu/mirrored/mirrored-1.0.tar.gz"
          "mirror://nosuch/mirrored-1.0.tar.gz"
        ];
        sha256 = "0v4rxrdimrfqkv2ivr524ll2dw212y17smk43scvmgmdrffd3ibi";
      };
    };

    # The stdenv derivation itself: the name `stdenv` is NOT pruned; its
    # closure contains the builtin:fetchurl bootstrap-tools FOD.
    stdenv = stdenvSet.stdenv;

    # FOD reachable ONLY through a string context: the fetchurl value is not an
    # attribute of anything, it is only interpolated into buildCommand.
    string-context-only = mkDerivation {
      pname = "string-context-only";
      version = "1.0";
      buildCommand = ''
        cp ${fetchurl {
          url = "http://example.org/data/only-in-string-1.0.dat";
          sha256 = fakeSha256 "only-in-string";
        }} $out
      '';
    };

    # Patch (fetchpatch, flat) only on aarch64 systems.
    patched-on-aarch64 = mkDerivation {
      pname = "patched-on-aarch64";
      version = "3.1";
      src = fetchurl {
        url = "http://example.org/patched/patched-3.1.tar.gz";
        sha256 = fakeSha256 "patched-3.1";
      };
      patches =
        if isAarch64 then [
          (fetchpatch {
            url = "https://github.example.org/patched/commit/0a1b2c3d-aarch64.patch";
            sha256 = fakeSha256 "patched-aarch64-patch";
          })
        ] else [ ];
    };

    # An extra FOD only with config.pulseaudio = true (and the `pulseaudio`
    # package as a dependency only then).
    audio-player = mkDerivation {
      pname = "audio-player";
      version = "0.9";
      src = fetchurl {
        url = "http://example.org/audio-player/audio-player-0.9.tar.gz";
        sha256 = fakeSha256 "audio-player-0.9";
      };
      pulsePlugin = optional (config.pulseaudio or false) (fetchurl {
        url = "http://example.org/audio-player/pulse-plugin-0.9.tar.gz";
        sha256 = fakeSha256 "audio-player-pulse-plugin";
      });
      buildInputs = optional (config.pulseaudio or false) self.pulseaudio;
    };

    pulseaudio = mkDerivation {
      pname = "pulseaudio";
      version = "16.1";
      # fetchzip: recursive, default name "source"
      src = fetchzip {
        url = "http://example.org/pulseaudio/pulseaudio-16.1.zip";
        sha256 = fakeSha256 "pulseaudio-16.1";
      };
    };

    # A package with a `srcs` list of two fetchurl's (the second given as an
    # SRI `hash`).
    multi-src = mkDerivation {
      pname = "multi-src";
      version = "2.0";
      srcs = [
        (fetchurl {
          url = "http://example.org/multi/multi-main-2.0.tar.gz";
          sha256 = fakeSha256 "multi-main-2.0";
        })
        (fetchurl {
          url = "http://example.org/multi/multi-data-2.0.tar.gz";
          hash = "sha256-TONSNP00Au20G7PSQs/Y1PJSzgjR2laWACkt5lx0rJM="; # = sha256("multi-data-2.0")
        })
      ];
    };

    # Dependency chain: chain-a -> chain-b -> chain-c; only chain-c has a src
    # FOD, which is thus in the closure of all three.
    chain-a = mkDerivation {
      pname = "chain-a";
      version = "1";
      buildInputs = [ self.chain-b ];
    };
    chain-b = mkDerivation {
      pname = "chain-b";
      version = "1";
      buildInputs = [ self.chain-c ];
    };
    chain-c = mkDerivation {
      pname = "chain-c";
      version = "1";
      src = fetchurl {
        url = "http://example.org/chain/chain-c-1.tar.gz";
        sha256 = fakeSha256 "chain-c-1";
      };
    };

    # fetchgit-like recursive hash (env fetchSubmodules/leaveDotGit/deepClone).
    git-pkg = mkDerivation {
      pname = "git-pkg";
      version = "unstable-2022-05-01";
      src = fetchgit {
        url = "https://git.example.org/git-pkg.git";
        rev = "3f786850e387550fdab836ed7e6dc881de23001b";
        sha256 = fakeSha256 "git-pkg";
      };
    };

    # fetchsvn (env ignoreExternals) and fetchhg (env subrepoClause).
    svn-pkg = mkDerivation {
      pname = "svn-pkg";
      version = "1234";
      src = fetchsvn {
        url = "svn://svn.example.org/svn-pkg/trunk";
        rev = 1234;
        sha256 = fakeSha256 "svn-pkg";
      };
    };
    hg-pkg = mkDerivation {
      pname = "hg-pkg";
      version = "0.5";
      src = fetchhg {
        url = "https://hg.example.org/hg-pkg";
        rev = "a1b2c3d4e5f6";
        sha256 = fakeSha256 "hg-pkg";
      };
    };

    # requireFile: flat, no url in the env, builder ...-restrict-message.
    requirefile-pkg = mkDerivation {
      pname = "requirefile-pkg";
      version = "8u1";
      src = requireFile {
        name = "proprietary-sdk-8u1.tar.gz";
        url = "http://vendor.example.org/download"; # only used in the message
        sha256 = fakeSha256 "proprietary-sdk-8u1";
        message = "Download proprietary-sdk-8u1.tar.gz manually and add it with nix-prefetch-url file:///path/to/it";
      };
    };

    # A FOD without any url (like buildGoModule's vendor derivation):
    # fetcher "unknown", recursive, sha512. It is made with mkDerivation so its
    # own closure also contains stdenv/bootstrap-tools.
    go-app = mkDerivation {
      pname = "go-app";
      version = "1.2";
      src = fetchurl {
        url = "http://example.org/go-app/go-app-1.2.tar.gz";
        sha256 = fakeSha256 "go-app-1.2";
      };
      vendor = mkDerivation {
        name = "go-app-1.2-go-modules";
        outputHashMode = "recursive";
        outputHashAlgo = "sha512";
        outputHash = fakeSha512 "go-app-vendor";
      };
    };

    # Attribute names that need quoting in attribute paths.
    "0ad-data" = mkDerivation {
      pname = "0ad-data";
      version = "0.0.26";
      src = fetchurl {
        url = "http://example.org/0ad/0ad-0.0.26-alpha-unix-data.tar.xz";
        sha256 = fakeSha256 "0ad-data";
      };
    };

    # ---- meta-gated packages (catchable throws when drvPath is forced) -------

    # meta.broken: throws unless config.allowBroken.
    broken-pkg = mkDerivation {
      pname = "broken-pkg";
      version = "0.1";
      src = fetchurl {
        url = "http://example.org/broken/broken-pkg-0.1.tar.gz";
        sha256 = fakeSha256 "broken-pkg-0.1";
      };
      meta.broken = true;
    };

    # meta.broken only on darwin.
    broken-on-darwin = mkDerivation {
      pname = "broken-on-darwin";
      version = "1.0";
      src = fetchurl {
        url = "http://example.org/bod/broken-on-darwin-1.0.tar.gz";
        sha256 = fakeSha256 "broken-on-darwin-1.0";
      };
      meta.broken = isDarwin;
    };

    # Unfree licence: throws unless config.allowUnfree.
    unfree-pkg = mkDerivation {
      pname = "unfree-pkg";
      version = "5.0";
      src = fetchurl {
        url = "http://vendor.example.org/unfree-pkg-5.0.tar.gz";
        sha256 = fakeSha256 "unfree-pkg-5.0";
      };
      meta.license = lib.licenses.unfree;
    };

    # An `assert` failing when the attribute value itself is evaluated
    # (catchable, like `assert stdenv.isLinux;` in a package function).
    linux-only = assert !isDarwin; mkDerivation {
      pname = "linux-only";
      version = "1.0";
      src = fetchurl {
        url = "http://example.org/linux-only/linux-only-1.0.tar.gz";
        sha256 = fakeSha256 "linux-only-1.0";
      };
    };

    # A removed-package alias: a `throw` as soon as the value is evaluated.
    removed-alias = throw "‘removed-alias’ has been removed from the collection";

    # ---- uncatchable errors and timeouts -------------------------------------

    # error: attribute 'nope' missing (when drvPath is forced).
    attr-missing = mkDerivation {
      pname = "attr-missing";
      version = "1";
      src = ({ }).nope;
    };

    # error: cannot add a string to an integer ("eval-error": any other
    # uncatchable error).
    type-error = mkDerivation {
      pname = "type-error";
      version = "1";
      NIX_CFLAGS = 1 + "x";
    };

    # A fetch at evaluation time: fodfuzz evaluates in restricted mode, so this is an
    # immediate "access to URI … is forbidden" ("eval-time-fetch"), never a network wait.
    eval-time-fetch = mkDerivation {
      pname = "eval-time-fetch";
      version = "1";
      src = builtins.fetchurl "http://example.org/fetched-while-evaluating.tar.gz";
    };

    # Reads a file outside the tree: forbidden in restricted mode ("forbidden-path").
    reads-outside = mkDerivation {
      pname = "reads-outside";
      version = "1";
      hostname = builtins.readFile /etc/hostname;
    };

    # Import from derivation: disabled while evaluating ("import-from-derivation").
    ifd = import (derivation {
      name = "generated.nix";
      inherit system;
      builder = "/bin/sh";
      args = [ "-c" "echo '{}' > $out" ];
    });

    # error: infinite recursion encountered (when drvPath is forced).
    infinite-rec = mkDerivation {
      pname = "infinite-rec";
      version = "1";
      src = let x = x; in x;
    };

    # error: stack overflow (possible infinite recursion).
    stack-overflow = mkDerivation {
      pname = "stack-overflow";
      version = "1";
      depth = let f = n: 1 + f (n + 1); in f 0;
    };

    # Evaluation takes minutes (2*10^9 additions, ~450 MB RSS, several minutes
    # with Nix 2.8) when drvPath is forced. NB: Nix 2.8 does not react to
    # SIGTERM/SIGINT inside this loop; it must be SIGKILLed.
    slow-pkg = mkDerivation {
      pname = "slow-pkg";
      version = toString (builtins.foldl'
        (a: i: a + builtins.foldl' (b: j: b + j + i) 0 (builtins.genList (x: x) 1000))
        0
        (builtins.genList (x: x) 2000000));
    };

    # ---- nested sets -----------------------------------------------------------

    # Plain sets WITHOUT recurseForDerivations, 3 levels deep: still walked.
    sets = {
      level1 = {
        level2 = {
          deep-pkg = mkDerivation {
            pname = "deep-pkg";
            version = "1.0";
            src = fetchurl {
              url = "http://example.org/deep/deep-pkg-1.0.tar.gz";
              sha256 = fakeSha256 "deep-pkg-1.0";
            };
          };
          note = "a string, skipped";
        };
      };
    };

    # A set WITH recurseForDerivations = true (python-packages-like), holding a
    # name that needs quoting ("zope.interface") and reusing the hello src.
    python3Packages = {
      recurseForDerivations = true;
      requests = mkDerivation {
        pname = "python3.10-requests";
        version = "2.28.1";
        src = fetchurl {
          url = "https://files.example.org/packages/source/r/requests/requests-2.28.1.tar.gz";
          sha256 = fakeSha256 "requests-2.28.1";
        };
      };
      "zope.interface" = mkDerivation {
        pname = "python3.10-zope.interface";
        version = "5.4.0";
        src = fetchurl {
          url = "https://files.example.org/packages/source/z/zope.interface/zope.interface-5.4.0.tar.gz";
          sha256 = fakeSha256 "zope.interface-5.4.0";
        };
      };
      buildPythonPackage = attrs: mkDerivation attrs; # function: skipped
    };

    # A makeScope-style set: its callPackage/newScope/override/overrideScope/
    # packages are functions (and pruned names).
    xorg = makeScope (scopeSelf: {
      libX11 = mkDerivation {
        pname = "libX11";
        version = "1.8.1";
        src = fetchurl {
          url = "http://xorg.example.org/individual/lib/libX11-1.8.1.tar.xz";
          sha256 = fakeSha256 "libX11-1.8.1";
        };
      };
      xeyes = mkDerivation {
        pname = "xeyes";
        version = "1.2.0";
        buildInputs = [ scopeSelf.libX11 ];
      };
    });

    # Self-reference cycle through a name that is NOT in the pruned list: the
    # set `cyclic.loop` has the same attribute names as its ancestor `cyclic`,
    # so it is pruned; only `cyclic.tool` is reached.
    cyclic = let c = {
      tool = mkDerivation {
        pname = "cyclic-tool";
        version = "1.0";
        src = fetchurl {
          url = "http://example.org/cyclic/cyclic-tool-1.0.tar.gz";
          sha256 = fakeSha256 "cyclic-tool-1.0";
        };
      };
      loop = c;
    }; in c;

    # An infinitely deep chain of sets with different names at every level
    # (tower.n1.n2.n3...); only the depth limit stops the walk. It contains no
    # derivations, so nothing is expected from it whatever the exact limit.
    tower = let mk = n: { "n${toString n}" = mk (n + 1); }; in mk 1;

    # ---- things the walker must skip ---------------------------------------

    # Functions, strings, numbers, lists, null.
    callPackage = fn: args: fn args;           # pruned name, function
    mkDerivation = mkDerivation;               # pruned name, function
    fetchurl = fetchurl;                       # function
    writeText = name: text: builtins.toFile name text; # function
    version = "22.05-fake";
    answer = 42;
    nothing = null;
    # A list holding a derivation whose FOD is reached from nowhere else:
    # lists are not walked, so this FOD must NOT appear in the output.
    somePackagesList = [
      (mkDerivation {
        pname = "only-in-list";
        version = "1.0";
        src = fetchurl {
          url = "http://example.org/only-in-list-1.0.tar.gz";
          sha256 = fakeSha256 "only-in-list-1.0";
        };
      })
    ];

    # Pruned names. `pkgs`/`buildPackages` are the whole set again (the walk
    # must not produce pkgs.hello etc.); `pkgsCross` re-imports the collection
    # for aarch64-linux (if walked on x86_64 it would wrongly reach the aarch64
    # patch); `lib` is a set of functions; `override` is a set holding a
    # derivation with a FOD reached from nowhere else.
    pkgs = self;
    buildPackages = self;
    pkgsCross = {
      aarch64-multiplatform = import ./default.nix { system = "aarch64-linux"; inherit config; };
    };
    inherit lib;
    override = {
      hidden = mkDerivation {
        pname = "hidden-by-override";
        version = "1.0";
        src = fetchurl {
          url = "http://example.org/hidden-by-override-1.0.tar.gz";
          sha256 = fakeSha256 "hidden-by-override-1.0";
        };
      };
    };
  }
  # Darwin-only attribute: present only when the system ends in "-darwin".
  // (if isDarwin then {
    darwin-only = mkDerivation {
      pname = "darwin-only";
      version = "1.0";
      src = fetchurl {
        url = "http://example.org/darwin-only/darwin-only-1.0.tar.gz";
        sha256 = fakeSha256 "darwin-only-1.0";
      };
    };
  } else { });
in
self
