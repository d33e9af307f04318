target "inbox" {
  mailbox = var.mailbox
  message = "AAMkADraft="
}
