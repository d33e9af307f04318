target "inbox" {
  mailbox = settings.mailbox
  message = "AAMkADraft="
}
