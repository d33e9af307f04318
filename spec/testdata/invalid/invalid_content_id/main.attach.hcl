target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "logo" {
  target     = target.inbox
  source     = "logo.png"
  inline     = true
  content_id = "<logo image>"
}
