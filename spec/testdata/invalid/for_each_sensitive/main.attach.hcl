variable "files" {
  type      = set(string)
  default   = ["a.txt"]
  sensitive = true
}

target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "docs" {
  for_each = var.files
  target   = target.inbox
  source   = each.value
}
