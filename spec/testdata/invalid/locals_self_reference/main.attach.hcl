locals {
  files = concat(local.files, ["a.txt"])
}
