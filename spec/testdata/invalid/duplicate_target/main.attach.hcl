target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}

target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
