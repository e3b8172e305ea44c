# A TeX Live-shaped set (release-16.03's texlive-new): each package holds its containers (run,
# doc) only in a list, `tex.<name>.pkgs`, which a scan does not enter (`pkgs` is a pruned name,
# and lists are not walked); `combined` takes the run containers of the packages in the scheme.
{ stdenv, fetchurl }:

let
  orig = import ./pkgs.nix;
  container = pname: attrs: tlType: stdenv.mkDerivation {
    name = "tex-${pname}-${tlType}";
    src = fetchurl {
      url = "http://example.org/tex/${pname}.${tlType}.tar.xz";
      sha256 = attrs.sha256.${tlType};
    };
  };
  flat = pname: attrs: {
    pkgs = map (container pname attrs) (builtins.attrNames attrs.sha256);
  };
  tl = builtins.mapAttrs flat orig;
in
tl // {
  combined = stdenv.mkDerivation {
    name = "tex-combined";
    # The run containers of the packages in the scheme (no package is named here).
    inputs = builtins.concatMap
      (name: builtins.filter (c: builtins.match ".*-run" c.name != null) tl.${name}.pkgs)
      (builtins.filter (name: orig.${name}.inScheme or false) (builtins.attrNames orig));
  };
}
