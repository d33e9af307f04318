locals {
  mailbox = "a@contoso.com"
}

locals {
  mailbox = "b@contoso.com"
}
