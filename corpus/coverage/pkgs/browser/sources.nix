# One binary per locale and architecture, as firefox-bin's sources.nix lists them.
[
  { locale = "en-US"; arch = "linux-x86_64"; sha256 = "0q89cw8by1l5hc6kradiql9lplnp01nd93899lvpajbh5dn8cm64"; }
  { locale = "de"; arch = "linux-x86_64"; sha256 = "0lrbj7pirrzsl36ywicdn8wqdv3il9k35cdyw4028wgigykx2m0v"; }
  { locale = "en-US"; arch = "linux-i686"; sha256 = "0iasxllr205p93r9mxqr5sxgrwsqlmbdrq4i5ydqd3bwsxqci32j"; }
  { locale = "de"; arch = "linux-i686"; sha256 = "0y6v64ma60gh40d4gyx6cx67c534smk6nk0c2985lnzfqfrbw84h"; }
]
