{ system, config }:

let
  lib = import ../../lib { inherit system config; };
  # As nixpkgs' callPackage: the result can be called again with other arguments
  # (`tool.override { withDocs = true; }`).
  callPackage = fn: args:
    let
      f = if builtins.isFunction fn then fn else import fn;
      call = a: f (builtins.intersectAttrs (builtins.functionArgs f) defaults // a);
      result = call args;
    in
    if builtins.isAttrs result
    then result // { override = more: call (args // more); }
    else result;
  defaults = lib // { inherit config callPackage; };
in
{
  hello = callPackage ../hello { };

  # The config key reaches the package as an argument.
  audio-player = callPackage ../audio { pulseSupport = config.pulseaudio or false; };

  browser-bin = callPackage ../browser { };

  tool = callPackage ../tool { };

  suite = callPackage ../suite { };

  broken-pkg = callPackage ../broken { };

  ifd-pkg = callPackage ../ifd { };

  eval-fetch = callPackage ../evalfetch { };

  arm-tool = callPackage ../arm { };

  bin-tool = callPackage ../bin { };

  tex = callPackage ../tex { };

  physics = callPackage ../physics { };
}
