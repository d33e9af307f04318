target "task" {
  mailbox   = "ops@contoso.com"
  todo_list = "AAMkList="
  todo_task = "AAMkTask="
}
attachment "logo" {
  target     = target.task
  source     = "logo.png"
  inline     = true
  content_id = "logo"
}
