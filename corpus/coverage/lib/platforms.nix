# The systems this tree knows, as nixpkgs' lib/platforms.nix lists them.
rec {
  linux = [ "i686-linux" "x86_64-linux" "aarch64-linux" ];
  darwin = [ "x86_64-darwin" ];
  all = linux ++ darwin;
}
