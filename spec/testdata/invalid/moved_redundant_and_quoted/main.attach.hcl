target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "a" {
  target = target.inbox
  source = "a.txt"
}

moved {
  from = attachment.a
  to   = attachment.a
}

moved {
  from = "attachment.old"
  to   = attachment.a
}
