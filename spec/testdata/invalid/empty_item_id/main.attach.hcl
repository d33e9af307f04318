target "inbox" {
  mailbox = "ops@contoso.com"
  message = ""
}
