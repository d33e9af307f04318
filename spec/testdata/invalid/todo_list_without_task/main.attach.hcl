target "inbox" {
  mailbox   = "ops@contoso.com"
  message   = "AAMkADraft="
  todo_list = "AAMkList="
}
