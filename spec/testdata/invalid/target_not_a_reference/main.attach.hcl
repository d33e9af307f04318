target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "a" {
  target = "inbox"
  source = "a.txt"
}
