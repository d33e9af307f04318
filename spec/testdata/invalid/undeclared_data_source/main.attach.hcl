target "all_hands" {
  mailbox = "ops@contoso.com"
  event   = data.event.all_hands.id
}
