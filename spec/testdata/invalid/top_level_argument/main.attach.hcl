mailbox = "ops@contoso.com"
target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
