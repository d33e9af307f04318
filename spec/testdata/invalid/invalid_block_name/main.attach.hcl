target "all hands" {
  mailbox = "ops@contoso.com"
  event   = "AAMkEvent="
}
