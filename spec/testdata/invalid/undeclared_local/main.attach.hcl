target "inbox" {
  mailbox = local.mailbox
  message = "AAMkADraft="
}
