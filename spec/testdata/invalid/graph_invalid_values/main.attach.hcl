graph {
  endpoint              = "http://graph.example.com"
  cloud                 = "mars"
  tenant_id             = "not a tenant"
  client_id             = "my-app"
  auth                  = "password"
  mailbox_concurrency   = 16
  mailbox_upload_limit  = "150MB"
  mailbox_request_limit = "lots/10m"
  max_message_size      = "200MB"
}
