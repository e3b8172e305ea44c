# A tiny stand-in for nixpkgs' `lib`: only pure functions and plain values.
# (The whole set is exposed as the top-level attribute `lib`, a name the
# walker must prune.)
rec {
  optional = cond: x: if cond then [ x ] else [ ];
  optionals = cond: xs: if cond then xs else [ ];

  hasPrefix = pref: str:
    builtins.substring 0 (builtins.stringLength pref) str == pref;
  hasSuffix = suff: str:
    let
      ls = builtins.stringLength str;
      lf = builtins.stringLength suff;
    in ls >= lf && builtins.substring (ls - lf) lf str == suff;

  # Deterministic, distinct, *valid* fake hashes (hex). Nothing with an
  # outputHash is ever built, so the values only need to be well-formed.
  fakeSha256 = seed: builtins.hashString "sha256" seed;
  fakeSha1 = seed: builtins.hashString "sha1" seed;
  fakeSha512 = seed: builtins.hashString "sha512" seed;

  version = "0.1-fake";
  licenses = {
    mit = { shortName = "mit"; free = true; };
    unfree = { shortName = "unfree"; free = false; };
  };
}
