{ buildGoModule }:

buildGoModule {
  pname = "go-tool";
  version = "0.3";
  vendorHash = "sha256-kKMykxH+zhwmCBycn9cbV+KUgIO9JxCY0Cww00OH+Bg=";
}
