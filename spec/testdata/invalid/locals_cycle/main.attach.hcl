locals {
  mailbox = local.domain == "" ? "ops" : "ops@${local.domain}"
  domain  = split("@", local.mailbox)[1]
}
