target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "one" {
  target = target.inbox
  source = "one.bin"
}

attachment "two" {
  target = target.inbox
  source = "two.bin"
}
