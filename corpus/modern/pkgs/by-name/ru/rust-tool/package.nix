{ buildRustPackage, fetchurl }:

buildRustPackage {
  pname = "rust-tool";
  version = "0.5";
  src = fetchurl {
    url = "http://127.0.0.1:1/rust-tool-0.5.tar.gz";
    hash = "sha256-cwVFENwt3flPOPRGeH4AkWd/9YePb20ULs3z6H2KiDg=";
  };
  cargoRoot = "crates/cli";
  cargoHash = "sha256-hLXITSQ/cdy+wrhPwWReEnHliED+C7p6p1Zd55d2eCQ=";
}
