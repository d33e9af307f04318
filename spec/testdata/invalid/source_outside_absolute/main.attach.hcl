target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "hosts" {
  target = target.inbox
  source = "/etc/hostname"
}
