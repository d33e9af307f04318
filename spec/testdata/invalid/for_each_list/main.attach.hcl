target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "docs" {
  for_each = ["a.txt", "b.txt"]
  target   = target.inbox
  source   = each.value
}
