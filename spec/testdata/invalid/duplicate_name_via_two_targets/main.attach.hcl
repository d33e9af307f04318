target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
target "drafts" {
  mailbox = "OPS@contoso.com"
  message = "AAMkADraft="
}

attachment "a" {
  target = target.inbox
  source = "a.txt"
  name   = "Report.pdf"
}

attachment "b" {
  target = target.drafts
  source = "b.txt"
  name   = "Report.pdf"
}
