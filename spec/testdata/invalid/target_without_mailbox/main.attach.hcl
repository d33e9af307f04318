target "inbox" {
  message = "AAMkADraft="
}
