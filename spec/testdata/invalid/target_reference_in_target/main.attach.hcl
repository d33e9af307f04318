target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
target "copy" {
  mailbox = target.inbox.mailbox
  message = "AAMkOther="
}
