data "todo_list" "team" {
  mailbox = "ops@contoso.com"
  name    = ""
}
