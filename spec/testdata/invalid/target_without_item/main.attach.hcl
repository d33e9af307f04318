target "inbox" {
  mailbox = "ops@contoso.com"
}
