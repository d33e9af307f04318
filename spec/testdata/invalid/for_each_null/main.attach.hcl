target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "docs" {
  for_each = null
  target   = target.inbox
  source   = each.value
}
