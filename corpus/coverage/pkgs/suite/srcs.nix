# The sources of a suite, as kde's srcs.nix lists them; `unused` is taken by no package.
{ fetchurl }:

{
  alpha = {
    version = "1.0";
    src = fetchurl {
      url = "http://example.org/suite/alpha-1.0.tar.xz";
      sha256 = "0dv90sj5bi0v0c7ip40mrk5i3dl7k04p5kpx97ish8rq8qgambhj";
    };
  };
  beta = {
    version = "1.0";
    src = fetchurl {
      url = "http://example.org/suite/beta-1.0.tar.xz";
      sha256 = "0l40qm42h85ccqxfafqx8x5ynchgxb7vgi77872kv9c0f9fzfq6x";
    };
  };
  unused = {
    version = "1.0";
    src = fetchurl {
      url = "http://example.org/suite/unused-1.0.tar.xz";
      sha256 = "1n8fmz4ikaafpc1knc6bnhb3ypa1sfc8g3mwrkg5wi1nxx8z1sn6";
    };
  };
}
