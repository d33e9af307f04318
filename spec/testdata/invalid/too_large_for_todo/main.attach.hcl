target "task" {
  mailbox   = "ops@contoso.com"
  todo_list = "AAMkList="
  todo_task = "AAMkTask="
}
attachment "data" {
  target = target.task
  source = "data.csv"
}
