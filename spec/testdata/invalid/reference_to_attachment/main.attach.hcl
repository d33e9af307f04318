target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "a" {
  target = target.inbox
  source = "a.txt"
}
attachment "b" {
  target = target.inbox
  source = "b.txt"
  name   = "copy of ${attachment.a.name}"
}
