# The configuration module of the NixOS-shaped target: two packages from the corpus.
{ pkgs }:
{
  networking.hostName = "station";
  environment.systemPackages = [ pkgs.hello pkgs.chain-a ];
}
