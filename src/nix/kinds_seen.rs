//! Kinds of FODs as nixpkgs 26.11 writes them: `.drv` files instantiated from that tree
//! (ripgrep, go-task, furo, vue-language-server, goofcord, texlive, python's bcrypt and
//! selenium-manager, and nixpkgs' fetchers called directly), hand-trimmed to the outputs,
//! builder, args and the environment entries that matter (inside `__json` where the .drv has
//! structured attributes; a patch's postFetch to its lsdiff/filterdiff lines); hashes of the
//! fetchers called directly are `lib.fakeHash`. Beside `nix::kind` rather than in it: these
//! read whole .drv texts through `nix::fixed`, which builds on `kind`.
use super::fixed::{Fixed, parse};
use crate::model::{Fetcher, Recipe};

fn fixed(text: &str) -> Fixed {
    parse(text).unwrap().fixed.expect("a fixed output")
}

const CARGO_STAGING: &str = r##"Derive([("out","/nix/store/8l2jk7k9yy0vydbyyv5iwir24fi6gxc0-ripgrep-15.1.0-vendor-staging","r:sha256","af2de92ee60dc17efbe83a63f48136fae73b7846b9fac42f74d35e1b578979cb")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("buildPhase","runHook preBuild\n\nif [ -n \"${cargoRoot-}\" ]; then\n  cd \"$cargoRoot\"\nfi\n\nfetch-cargo-vendor-util create-vendor-staging ./Cargo.lock \"$out\"\n\nrunHook postBuild\n"),("name","ripgrep-15.1.0-vendor-staging"),("nativeBuildInputs","/nix/store/mkbmjgxxiqxsp105r5cw3i8czskwww24-fetch-cargo-vendor-util /nix/store/zdl7dn1gmi1cxdw5a8hw6xsf4cz0rjmg-nss-cacert-3.123 /nix/store/2p1am9rinm4xcprc4x7fs5ksf9qjbi79-nix-prefetch-git-26.11"),("src","/nix/store/dbrc4ngqawh70dl8xh4lyv7nxlsqg0zs-source")])"##;
const CARGO_ROOT: &str = r##"Derive([("out","/nix/store/ky473015cqk2fpr4abpjf0adn4ifg7gx-bcrypt-5.0.0-vendor-staging","r:sha256","858309970c675c0d193898b267cac3a7d828bd571cd521a40dfa9456782750f4")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("cargoRoot","src/_bcrypt"),("name","bcrypt-5.0.0-vendor-staging"),("nativeBuildInputs","/nix/store/mkbmjgxxiqxsp105r5cw3i8czskwww24-fetch-cargo-vendor-util /nix/store/zdl7dn1gmi1cxdw5a8hw6xsf4cz0rjmg-nss-cacert-3.123 /nix/store/2p1am9rinm4xcprc4x7fs5ksf9qjbi79-nix-prefetch-git-26.11"),("src","/nix/store/vc0cw82r25h3kk4b76p6yhzwmhmj37rd-source")])"##;
const CARGO_SOURCEROOT: &str = r##"Derive([("out","/nix/store/34wswa5h9q8ziizcmbm5fij0ykqj1vhq-selenium-manager-4.40.0-vendor-staging","r:sha256","0fb9648b6ff159c352b5c1c84bcab57d3916fb7ed0fa6ff27ad9f4e43c00d82f")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("name","selenium-manager-4.40.0-vendor-staging"),("nativeBuildInputs","/nix/store/mkbmjgxxiqxsp105r5cw3i8czskwww24-fetch-cargo-vendor-util /nix/store/zdl7dn1gmi1cxdw5a8hw6xsf4cz0rjmg-nss-cacert-3.123 /nix/store/2p1am9rinm4xcprc4x7fs5ksf9qjbi79-nix-prefetch-git-26.11"),("sourceRoot","source/rust"),("src","/nix/store/l86a4gkbiwjks2b5mbkibsnidyv1d2px-source")])"##;
const GO: &str = r##"Derive([("out","/nix/store/558l91mng9b2hfx3av0qr72krp4bj11a-go-task-3.48.0-go-modules","r:sha256","bfc398e09903698f17976d09bd4f096c05c3e3705a1ab3395268891e71dac5e9")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("GO111MODULE","on"),("buildPhase","runHook preBuild\nif [ -d vendor ]; then\n  echo \"vendor folder exists, please set 'vendorHash = null;' in your expression\"\n  exit 10\nfi\n\nexport GIT_SSL_CAINFO=$N"),("modRoot","./"),("name","go-task-3.48.0-go-modules"),("src","/nix/store/rmvyk1jwkkmqzgd6c1r4qbg89ma8g3pp-source")])"##;
const NPM: &str = r##"Derive([("out","/nix/store/k6byvp1naz21c25851wckmqyw9zji8pv-furo-web-2025.12.19-npm-deps","r:sha256","75c747a32a85f730bf78ab44a8c868ed32b6135288be85e8d22c123d3ce3f8ac")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("NPM_FETCHER_VERSION","1"),("fetcherVersion","1"),("name","furo-web-2025.12.19-npm-deps"),("nativeBuildInputs","/nix/store/m207k7471xp331n29l1bmxl3z0gkg"),("src","/nix/store/4xbg07x855i3b32b7zimr9j8gc7b9")])"##;
const YARN: &str = r##"Derive([("out","/nix/store/9nyg6qj21776n21jvrcww9q0bi22bwxh-offline","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("buildPhase","runHook preBuild\n\nyarnLock=${yarnLock:=$PWD/yarn.lock}\nmkdir -p $out\n(cd $out; prefetch-yarn-deps --verbose --builder $yarnLock)\n\nrunHook postBuild\n"),("name","offline"),("nativeBuildInputs","/nix/store/927kc5ybly5f8gy7w1in262v3k8rx5va-prefetch-yarn-deps-26.11 /nix/store/zdl7dn1gmi1cxdw5a8hw6xsf4cz0rjmg-nss-cacert-3.123"),("yarnLock","/nix/store/33fbnc1fw0pxp8vk76hfys17m2f6a1vl-yarn.lock")])"##;
const BERRY: &str = r##"Derive([("out","/nix/store/i56zlrcw9qv5dvgscd0481k5s3icj879-offline","r:sha256","290cb08c1809713e825d3f1b775d704f6eaa99f2de9fc13f81784f040e5363d0")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("buildPhase","runHook preBuild\n\nyarnLock=${yarnLock:=$PWD/yarn.lock}\nyarn-berry-fetcher fetch $yarnLock $missingHashes\n\nrunHook postBuild\n"),("missingHashes","/nix/store/0jdw492hx6v0gj3l2lfsyavvivx4xnyy-missing-hashes.json"),("name","offline"),("src","/nix/store/vdvg155f3ffvv7fjwvfchbpsy4s94waw-source")])"##;
const PNPM: &str = r##"Derive([("out","/nix/store/yjavciy1b1pgyl7adjv4smc8kg60p08n-vue-language-server-pnpm-deps","r:sha256","aa6da10d06cea02d38738ef0f0a4b091d8a0343e94ae44541a9ed87e446ee1ab")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("fetcherVersion","3"),("name","vue-language-server-pnpm-deps"),("pnpm","/nix/store/rs8pq0b8lxk64gpz5hh8cpkv942zb2wx-pnpm-10.34.0"),("src","/nix/store/gbrq4am0xscak5yn6dxdih7wk4gs1268-source")])"##;
const BUN: &str = r##"Derive([("out","/nix/store/jig798pxrbq9vqnivbbc6mg4jgh10q2m-goofcord-modules-2.2.1","r:sha256","d8f1f8a9ae0cff2e00cd54fd756e012b58c4dd1592afe35663502153771f5131")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("buildPhase","runHook preBuild\n\nexport BUN_INSTALL_CACHE_DIR=$(mktemp -d)\nexport npm_config_build_from_source=true\nexport ELECTRON_SKIP_BINARY_DOWNLOAD=1\n\nbun install \\\n  --frozen-lockfile \\\n  --linker=hoisted \\\n  "),("name","goofcord-modules-2.2.1"),("src","/nix/store/89h00a08w708c966pnwc5kbffx8va9by-source")])"##;
const TEX: &str = r##"Derive([("out","/nix/store/nai8yk1whls6is4jlymdxrnbxllsb3dw-amsfonts-3.04-tex","r:sha256","21088c4a15b95de88d564f999468b14eb251856abc27e12fbb0d970d29bb7e50")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("name","amsfonts-3.04-tex"),("outputHash","0l3ypclhv5qdpcpy29xwda2m3cjfn5l996agas6yhpdr2m58q211"),("outputHashAlgo","sha256"),("src","/nix/store/idh4ai4ry4gi61lx4gjsa75gfbgcdkyc-amsfonts.r77677.tar.xz"),("stripPrefix","0"),("tlOutputName","tex")])"##;
const MAVEN: &str = r##"Derive([("out","/nix/store/84fypkr0c60c3684328c96xjdqx1dsk8-maven-deps-m-1","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("buildPhase","runHook preBuild\n\nMAVEN_EXTRA_ARGS=\"-B\"\n\n# handle proxy\nif ["),("name","maven-deps-m-1"),("nativeBuildInputs","/nix/store/sbjywy9g6p3zfb5cacqqvd64zi3qdqbh-maven-3.9.12"),("src","/nix/store/wj7phsmi7ncidl8k00p489krqss7n9sd-hello-2.12.3.tar")])"##;
const DOCKER: &str = r##"Derive([("out","/nix/store/jvf2wn7mg29nksmihnrwpgq5a51lgga6-docker-image-nixos-nix-latest.tar","sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/shkw4qm9qcw5sc5n1k5jznc83ny02r39-default-builder.sh"],[("imageDigest","sha256:0000000000000000000000000000000000000000000000000000000000000000"),("imageName","nixos/nix"),("name","docker-image-nixos-nix-latest.tar"),("sourceURL","docker://nixos/nix@sha256:0000000000000000000000000000000000000000000000000000000000000000")])"##;
const GH_TAG: &str = r##"Derive([("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"githubBase\":\"github.com\",\"owner\":\"o\",\"repo\":\"r\",\"rev\":\"refs/tags/v1.0\",\"tag\":\"v1.0\",\"urls\":[\"https://github.com/o/r/archive/refs/tags/v1.0.tar.gz\"],\"postFetch\":\"unpackDir=\\\"$TMPDIR/unpack\\\"\\nmkdir \\\"$unpackDir\\\"\\ncd \\\"$unpackDir\",\"name\":\"source\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\"}"),("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source")])"##;
const GITLAB: &str = r##"Derive([("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://gitlab.com/api/v4/projects/o%2Fr/repository/archive.tar.gz?sha=v1.0\"],\"postFetch\":\"unpackDir=\\\"$TMPDIR/unpack\\\"\\nmkdir \\\"$unpackDir\\\"\\ncd \\\"$unpackDir\",\"name\":\"source\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\"}"),("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source")])"##;
const SRHT: &str = r##"Derive([("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://git.sr.ht/~o/r/archive/v1.0.tar.gz\"],\"postFetch\":\"unpackDir=\\\"$TMPDIR/unpack\\\"\\nmkdir \\\"$unpackDir\\\"\\ncd \\\"$unpackDir\",\"name\":\"source\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\"}"),("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source")])"##;
const CRATE: &str = r##"Derive([("out","/nix/store/9f1bqjhpv2gwx7iip9j8njgjci0d6fb1-crate-errno-0.3.14.tar.gz","sha256","39cab71617ae0d63f51a36d69f866391735b51691dbda63cf6f96d042b63efeb")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://static.crates.io/crates/errno/0.3.14/download\"],\"postFetch\":\"\",\"name\":\"crate-errno-0.3.14.tar.gz\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\"}"),("out","/nix/store/9f1bqjhpv2gwx7iip9j8njgjci0d6fb1-crate-errno-0.3.14.tar.gz")])"##;
const ZIP: &str = r##"Derive([("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://example.org/a.tar.gz\"],\"postFetch\":\"unpackDir=\\\"$TMPDIR/unpack\\\"\\nmkdir \\\"$unpackDir\\\"\\ncd \\\"$unpackDir\",\"name\":\"source\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\",\"stripRoot\":true}"),("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source")])"##;
const GIT_TAG: &str = r##"Derive([("out","/nix/store/b7rna7v4zipazl5mqcfv2mnbw6ja1v4n-r","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/h445hjgw9yqxc3yib4pd8flhpr22adjb-builder.sh"],[("__json","{\"url\":\"https://example.org/r.git\",\"rev\":\"refs/tags/v1.0\",\"tag\":\"v1.0\",\"fetchSubmodules\":true,\"leaveDotGit\":false,\"deepClone\":false,\"fetchLFS\":false,\"sparseCheckout\":[],\"sparseCheckoutText\":\"\",\"name\":\"r\"}"),("out","/nix/store/b7rna7v4zipazl5mqcfv2mnbw6ja1v4n-r")])"##;
const GIT_SPARSE: &str = r##"Derive([("out","/nix/store/125fwpg826ma6ij4la1g82b02i33n1f9-r-0123456","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/h445hjgw9yqxc3yib4pd8flhpr22adjb-builder.sh"],[("__json","{\"url\":\"https://example.org/r.git\",\"rev\":\"0123456789abcdef0123456789abcdef01234567\",\"fetchSubmodules\":true,\"leaveDotGit\":false,\"deepClone\":false,\"fetchLFS\":false,\"sparseCheckout\":[\"src\"],\"sparseCheckoutText\":\"src\",\"name\":\"r-0123456\"}"),("out","/nix/store/125fwpg826ma6ij4la1g82b02i33n1f9-r-0123456")])"##;
const GIT_DOTGIT: &str = r##"Derive([("out","/nix/store/125fwpg826ma6ij4la1g82b02i33n1f9-r-0123456","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/h445hjgw9yqxc3yib4pd8flhpr22adjb-builder.sh"],[("__json","{\"url\":\"https://example.org/r.git\",\"rev\":\"0123456789abcdef0123456789abcdef01234567\",\"fetchSubmodules\":true,\"leaveDotGit\":true,\"deepClone\":true,\"fetchLFS\":false,\"name\":\"r-0123456\"}"),("out","/nix/store/125fwpg826ma6ij4la1g82b02i33n1f9-r-0123456")])"##;
const GH_SUBMODULES: &str = r##"Derive([("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/h445hjgw9yqxc3yib4pd8flhpr22adjb-builder.sh"],[("__json","{\"url\":\"https://github.com/o/r.git\",\"rev\":\"0123456789abcdef0123456789abcdef01234567\",\"githubBase\":\"github.com\",\"fetchSubmodules\":true,\"leaveDotGit\":false,\"deepClone\":false,\"name\":\"source\"}"),("out","/nix/store/bqfq4db6nwycmkdrql9igsbrayqsw3g2-source")])"##;
const PATCH: &str = r##"Derive([("out","/nix/store/x19v04m7blz97gsfvpcnf3063is5p865-a.patch","sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://example.org/a.patch\"],\"postFetch\":\"lsdiff \\\\\\n  \\\"$out\\\" \\\\\\n| sort -u | xargs -I{} --delimiter='\\\\n' \\\\\\n  filterdiff \\\\\\n  --include={} \\\\\\n  --strip=0 \\\\\\n  --clean \\\"$out\\\" > \\\"$tmpfile\\\"\\n\",\"name\":\"a.patch\",\"nativeBuildInputs\":[\"/nix/store/0kdxyv90bclwbvw10fr28j5i16zrr9m8-curl-8.20.0-dev\",\"/nix/store/0ibx9k48ivhiyi1jcgxzgd33lmgam4d9-patchutils-0.3.3\"],\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\"}"),("out","/nix/store/x19v04m7blz97gsfvpcnf3063is5p865-a.patch")])"##;
const PATCH2: &str = r##"Derive([("out","/nix/store/x19v04m7blz97gsfvpcnf3063is5p865-a.patch","sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://example.org/a.patch\"],\"name\":\"a.patch\",\"nativeBuildInputs\":[\"/nix/store/0kdxyv90bclwbvw10fr28j5i16zrr9m8-curl-8.20.0-dev\",\"/nix/store/p2lcwwigyi1j7faqxxqxw4rw6fsszh97-patchutils-0.4.2\"],\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\",\"postFetch\":\"lsdiff \\\\\\n  \\\"$out\\\" \\\\\\n| sort -u | xargs -I{} --delimiter='\\\\n' \\\\\\n  filterdiff \\\\\\n  --include={} \\\\\\n  --strip=0 \\\\\\n  --clean \\\"$out\\\" > \\\"$tmpfile\\\"\\n\"}"),("out","/nix/store/x19v04m7blz97gsfvpcnf3063is5p865-a.patch")])"##;
const DEBPATCH: &str = r##"Derive([("out","/nix/store/2qffx0hyb2qsgkiqm0w5lm14cjnh6ami-fix","sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://sources.debian.org/data/main/h/hello/2.12-1/debian/patches/fix\"],\"name\":\"fix\",\"nativeBuildInputs\":[\"/nix/store/0kdxyv90bclwbvw10fr28j5i16zrr9m8-curl-8.20.0-dev\",\"/nix/store/0ibx9k48ivhiyi1jcgxzgd33lmgam4d9-patchutils-0.3.3\"],\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\",\"postFetch\":\"lsdiff \\\\\\n  \\\"$out\\\" \\\\\\n| sort -u | xargs -I{} --delimiter='\\\\n' \\\\\\n  filterdiff \\\\\\n  --include={} \\\\\\n  --strip=0 \\\\\\n  --clean \\\"$out\\\" > \\\"$tmpfile\\\"\\n\"}"),("out","/nix/store/2qffx0hyb2qsgkiqm0w5lm14cjnh6ami-fix")])"##;
const PYPI: &str = r##"Derive([("out","/nix/store/f53mip5fsxick4gcl3nbik80yxcb54pz-requests-2.0.tar.gz","sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"mirror://pypi/r/requests/requests-2.0.tar.gz\"],\"name\":\"requests-2.0.tar.gz\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\",\"postFetch\":\"\"}"),("out","/nix/store/f53mip5fsxick4gcl3nbik80yxcb54pz-requests-2.0.tar.gz")])"##;
const NUPKG: &str = r##"Derive([("out","/nix/store/1mrmr193dzkqmh0xzp4nsr9hm0sn4wwi-Newtonsoft.Json.13.0.3.nupkg","sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://www.nuget.org/api/v2/package/Newtonsoft.Json/13.0.3\"],\"name\":\"Newtonsoft.Json.13.0.3.nupkg\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\",\"postFetch\":\"\"}"),("out","/nix/store/1mrmr193dzkqmh0xzp4nsr9hm0sn4wwi-Newtonsoft.Json.13.0.3.nupkg")])"##;
const BZR: &str = r##"Derive([("out","/nix/store/43hwy7ya2r2zqpdrclxs4hpxngkv31qg-bzr-export","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/xl1zzm3l4kflava3adg0mia63b9s15mf-builder.sh"],[("name","bzr-export"),("nativeBuildInputs","/nix/store/gs1ix1zsynr8ybi3ig0520s1a2xfbaiy-python3.13-breezy-3.3.21"),("rev","12"),("url","https://example.org/bzr")])"##;
const CVS: &str = r##"Derive([("out","/nix/store/w4nv2p3gjsg9wixnph8ns60n7py54n07-cvs-export","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/4p66yw3lnibnqhbgki0z88g9bj41w11l-builder.sh"],[("cvsRoot",":pserver:anon@example.org:/cvs"),("module","m"),("name","cvs-export"),("tag","T")])"##;
const FOSSIL: &str = r##"Derive([("out","/nix/store/awp2cdp59i3pmdiz8spfldc2bm639r5q-fossil-archive","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/y74vm28d94myyxka44iwqbikwwsgn0sa-builder.sh"],[("name","fossil-archive"),("nativeBuildInputs","/nix/store/qsmhsmav12w8zzkqccyr81lh43w7m8qd-fossil-2.28 /nix/store/zdl7dn1gmi1cxdw5a8hw6xsf4cz0rjmg-nss-cacert-3.123"),("rev","1"),("url","https://example.org/fossil")])"##;
const HG: &str = r##"Derive([("out","/nix/store/6x3xaryr89nsizld5gw83d3kh82nl8xf-hg-archive","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/zh5xih0d75dbv3xax77rvibvp72k30ng-builder.sh"],[("name","hg-archive"),("rev","abc"),("subrepoClause",""),("url","https://example.org/hg")])"##;
const SVN: &str = r##"Derive([("out","/nix/store/flkvxkncph82ysmfb24xj20923xsbh5z-svn-r12","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/g0n88sxlbb0gjhb39j2iqvhkpmdybcrj-builder.sh"],[("SVN_SSH","/nix/store/ww2wf5b928m0b53dp2bdifpgqqyfshvb-openssh-10.3p1/bin/ssh"),("ignoreExternals",""),("name","svn-r12"),("rev","12"),("url","https://example.org/svn")])"##;
const STAGE0: &str = r##"Derive([("out","/nix/store/4f7nm8dblrdy74gmsl62b25rjrh4jcz3-stage0-posix-1.9.1-source","r:sha256","50da326f6b5ea87dba54ced8a0e71acf2a99d0094369ed38e5a59cdf564715dc")],[],[],"x86_64-linux","#\n#\n# Neither your store nor your substituters seems to have:\n#\n#  /1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9\n#\n# You can create this path from an already-bootstrapped nixpkgs\n# using the following command:\n#\n#   nix-build '<nixpkgs>' -A make-minimal-bootstrap-sources\n#\n# Or, if you prefe",[],[("name","stage0-posix-1.9.1-source")])"##;
const HEX0: &str = r##"Derive([("out","/nix/store/k7ilqdwdxx8v3vw6p0c4i06xfm6crygm-hex0-1.9.1","r:sha256","0c2cd976e62b8b1f7239e2687a6fc9873fd60f302cb3b516c2365b91726ae8cb")],[],[],"x86_64-linux","/nix/store/bq4dvl85p02x6ksj1cjn54fa75lr6wyd-hex0-seed",["/nix/store/4f7nm8dblrdy74gmsl62b25rjrh4jcz3-stage0-posix-1.9.1-source/AMD64/hex0_AMD64.hex0","/1rz4g4znpzjwh1xymhjpm42vipw92pr73vdgl6xs1hycac8kf2n9"],[("name","hex0-1.9.1"),("pname","hex0")])"##;
const FETCHCRATE: &str = r##"Derive([("out","/nix/store/bzxhn6c2pciwvml9d6lh1nzabpd3dh01-serde-1.0.0.tar.gz","r:sha256","0000000000000000000000000000000000000000000000000000000000000000")],[],[],"x86_64-linux","/nix/store/zh1ijdhb6gng1509b1zrilb6xlzx60j6-bash-5.3p9/bin/bash",["-e","/nix/store/l622p70vy8k5sh7y5wizi5f2mic6ynpg-source-stdenv.sh","/nix/store/vvlgjnnch92k53af32iwim3d7jdxai3y-builder.sh"],[("__json","{\"urls\":[\"https://static.crates.io/crates/serde/1.0.0/download\"],\"postFetch\":\"unpackDir=\\\"$TMPDIR/unpack\\\"\\nmkdir \\\"$unpackDir\\\"\\ncd \\\"$unpackDir\",\"name\":\"serde-1.0.0.tar.gz\",\"mirrorsFile\":\"/nix/store/lfkkl8qiwp5910xylcxf3256hl5r0ri7-mirrors-list\"}"),("out","/nix/store/bzxhn6c2pciwvml9d6lh1nzabpd3dh01-serde-1.0.0.tar.gz")])"##;

/// Every sample: its kind and the function its recipe names.
const SAMPLES: &[(&str, &str, Fetcher, Option<&str>)] = &[
    (
        "cargo-staging",
        CARGO_STAGING,
        Fetcher::CargoVendor,
        Some("fetchCargoVendor"),
    ),
    (
        "cargo-root",
        CARGO_ROOT,
        Fetcher::CargoVendor,
        Some("fetchCargoVendor"),
    ),
    (
        "cargo-sourceroot",
        CARGO_SOURCEROOT,
        Fetcher::CargoVendor,
        Some("fetchCargoVendor"),
    ),
    ("go", GO, Fetcher::GoModules, Some("buildGoModule")),
    ("npm", NPM, Fetcher::NpmDeps, Some("fetchNpmDeps")),
    ("yarn", YARN, Fetcher::YarnDeps, Some("fetchYarnDeps")),
    (
        "berry",
        BERRY,
        Fetcher::YarnDeps,
        Some("fetchYarnBerryDeps"),
    ),
    ("pnpm", PNPM, Fetcher::PnpmDeps, Some("fetchPnpmDeps")),
    ("bun", BUN, Fetcher::BunDeps, None),
    ("tex", TEX, Fetcher::Texlive, Some("texlive")),
    (
        "maven",
        MAVEN,
        Fetcher::MavenDeps,
        Some("buildMavenPackage"),
    ),
    (
        "docker",
        DOCKER,
        Fetcher::DockerImage,
        Some("dockerTools.pullImage"),
    ),
    ("gh-tag", GH_TAG, Fetcher::Url, Some("fetchFromGitHub")),
    ("gitlab", GITLAB, Fetcher::Url, Some("fetchFromGitLab")),
    ("srht", SRHT, Fetcher::Url, Some("fetchFromSourcehut")),
    ("crate", CRATE, Fetcher::Url, Some("fetchurl")),
    ("fetchcrate", FETCHCRATE, Fetcher::Url, Some("fetchCrate")),
    ("zip", ZIP, Fetcher::Url, Some("fetchzip")),
    ("git-tag", GIT_TAG, Fetcher::Git, Some("fetchgit")),
    ("git-sparse", GIT_SPARSE, Fetcher::Git, Some("fetchgit")),
    ("git-dotgit", GIT_DOTGIT, Fetcher::Git, Some("fetchgit")),
    (
        "gh-submodules",
        GH_SUBMODULES,
        Fetcher::Git,
        Some("fetchFromGitHub"),
    ),
    ("patch", PATCH, Fetcher::Url, Some("fetchpatch")),
    ("patch2", PATCH2, Fetcher::Url, Some("fetchpatch2")),
    ("debpatch", DEBPATCH, Fetcher::Url, Some("fetchDebianPatch")),
    ("pypi", PYPI, Fetcher::Url, Some("fetchPypi")),
    ("nupkg", NUPKG, Fetcher::Url, Some("fetchNupkg")),
    ("bzr", BZR, Fetcher::Bzr, None),
    ("cvs", CVS, Fetcher::Cvs, None),
    ("fossil", FOSSIL, Fetcher::Fossil, None),
    ("hg", HG, Fetcher::Hg, None),
    ("svn", SVN, Fetcher::Svn, None),
    ("stage0", STAGE0, Fetcher::RequireFile, None),
    ("hex0", HEX0, Fetcher::Unknown, None),
];

#[test]
fn every_sample_is_its_kind() {
    for (name, text, kind, function) in SAMPLES {
        let f = fixed(text);
        assert_eq!(
            (f.fetcher, f.recipe.function.as_deref()),
            (*kind, *function),
            "{name}"
        );
    }
}

#[test]
fn dependency_sets_name_their_lockfile_and_source() {
    let r = fixed(CARGO_STAGING).recipe;
    assert_eq!(r.lockfile.as_deref(), Some("Cargo.lock"));
    assert_eq!(
        r.src.as_deref(),
        Some("/nix/store/dbrc4ngqawh70dl8xh4lyv7nxlsqg0zs-source")
    );
    let root = fixed(CARGO_ROOT).recipe;
    assert_eq!(root.lockfile.as_deref(), Some("src/_bcrypt/Cargo.lock"));
    let below = fixed(CARGO_SOURCEROOT).recipe;
    assert_eq!(
        (below.lockfile.as_deref(), below.source_root.as_deref()),
        (Some("Cargo.lock"), Some("source/rust"))
    );
    // modRoot "./" is the source's root.
    assert_eq!(fixed(GO).recipe.lockfile.as_deref(), Some("go.mod"));
    let npm = fixed(NPM).recipe;
    assert_eq!(
        (npm.lockfile.as_deref(), npm.fetcher_version.as_deref()),
        (Some("package-lock.json"), Some("1"))
    );
    // fetchYarnDeps was given the lockfile itself: a store path.
    assert_eq!(
        fixed(YARN).recipe.lockfile.as_deref(),
        Some("/nix/store/33fbnc1fw0pxp8vk76hfys17m2f6a1vl-yarn.lock")
    );
    let pnpm = fixed(PNPM).recipe;
    assert_eq!(
        (pnpm.lockfile.as_deref(), pnpm.fetcher_version.as_deref()),
        (Some("pnpm-lock.yaml"), Some("3"))
    );
    assert_eq!(fixed(BUN).recipe.lockfile.as_deref(), Some("bun.lock"));
    assert_eq!(fixed(MAVEN).recipe.lockfile.as_deref(), Some("pom.xml"));
}

#[test]
fn texlive_and_images_say_where_they_come_from() {
    assert_eq!(
        fixed(TEX).recipe.src.as_deref(),
        Some("/nix/store/idh4ai4ry4gi61lx4gjsa75gfbgcdkyc-amsfonts.r77677.tar.xz")
    );
    assert_eq!(
        fixed(DOCKER).recipe.image.as_deref(),
        Some(
            "docker://nixos/nix@sha256:0000000000000000000000000000000000000000000000000000000000000000"
        )
    );
}

#[test]
fn checkouts_keep_what_they_are_of() {
    let tag = fixed(GIT_TAG).recipe;
    assert_eq!(
        (tag.rev.as_deref(), tag.tag.as_deref(), tag.submodules),
        (Some("refs/tags/v1.0"), Some("v1.0"), true)
    );
    let sparse = fixed(GIT_SPARSE).recipe;
    assert_eq!(sparse.sparse_checkout, vec!["src"]);
    assert_eq!(
        serde_json::to_string(&sparse).unwrap(),
        r#"{"function":"fetchgit","rev":"0123456789abcdef0123456789abcdef01234567","submodules":true,"sparseCheckout":["src"]}"#
    );
    let dotgit = fixed(GIT_DOTGIT).recipe;
    assert!(dotgit.leave_dot_git && dotgit.deep_clone && !dotgit.lfs);
    let archive = fixed(GH_TAG).recipe;
    assert_eq!(
        (archive.rev.as_deref(), archive.tag.as_deref()),
        (Some("refs/tags/v1.0"), Some("v1.0"))
    );
    assert_eq!(fixed(HG).recipe.rev.as_deref(), Some("abc"));
    assert_eq!(fixed(BZR).recipe.rev.as_deref(), Some("12"));
    assert_eq!(fixed(CVS).recipe.rev.as_deref(), Some("T"));
    // A plain download says only which function made it.
    assert_eq!(
        fixed(PYPI).recipe,
        Recipe {
            function: Some("fetchPypi".into()),
            ..Recipe::default()
        }
    );
}

/// 26.11's minimal-bootstrap sources: the builder is the message, as requireFile's script is.
#[test]
fn a_builder_that_is_a_message_is_fetched_by_hand() {
    let f = fixed(STAGE0);
    assert_eq!(f.fetcher, Fetcher::RequireFile);
    assert!(
        f.source
            .message
            .as_deref()
            .is_some_and(|m| m.contains("Neither your store nor your substituters")),
        "{:?}",
        f.source.message
    );
}
