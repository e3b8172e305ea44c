{ texlivePackage }:

texlivePackage {
  pname = "tex-pkg";
  version = "1.0";
  revision = "77677";
  containerHash = "sha256-AUXP9I1p3nVJBhF2do2lslXfwVrHZrK37LwucomZWgk=";
  texHash = "sha256-8po+yaV+hzOyqJPuctizsKDVl9/K2mYW9V/ArFCUA1E=";
}
