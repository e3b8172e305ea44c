# The packages of the set, as texlive's pkgs.nix lists them: `lonely` is in no combination.
{
  amsmath = {
    inScheme = true;
    sha256.run = "04hwara2z5jgyr468a377hvbwr21ii1xwx7xi01fqj2jhfqk5haq";
    sha256.doc = "1415vp1zpnv0xlzyqkq9wq48l7mszhx3160pj3k18c0x1v9cv1cl";
  };
  lonely = {
    sha256.run = "0sjwp1az8h6q3b3m80j07qgfkmz340a108bd7cna2harm968z7mn";
  };
}
