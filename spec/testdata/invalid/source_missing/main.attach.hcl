target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "a" {
  target = target.inbox
  source = "files/agenda.pdf"
}
