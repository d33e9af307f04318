locals {
  list = data.todo_task.review.list_id
}

data "todo_task" "review" {
  mailbox = "ops@contoso.com"
  list_id = local.list
  title   = "Review"
}
