target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
  event   = "AAMkEvent="
}
