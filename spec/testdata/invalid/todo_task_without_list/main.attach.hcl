target "task" {
  mailbox   = "ops@contoso.com"
  todo_task = "AAMkTask="
}
