data "event" "all_hands" {
  mailbox = "ops@contoso.com"
}

data "todo_task" "review" {
  mailbox = "ops@contoso.com"
  title   = "Review"
  filter  = "x"
}
