target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "logo" {
  target     = target.inbox
  source     = "logo.png"
  inline     = true
  content_id = "logo"
}

attachment "banner" {
  target     = target.inbox
  source     = "banner.png"
  inline     = true
  content_id = "logo"
}
