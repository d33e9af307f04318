target "inbox" {
  mailbox = "ops@contoso.com"
  message = "AAMkADraft="
}
attachment "video" {
  target = target.inbox
  source = "video.mp4"
}
