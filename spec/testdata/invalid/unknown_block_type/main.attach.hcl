target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
resource "attachment" "a" {
}
