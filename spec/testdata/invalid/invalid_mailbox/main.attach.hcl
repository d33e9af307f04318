target "inbox" {
  mailbox = "ops team/contoso"
  message = "AAMkADraft="
}
