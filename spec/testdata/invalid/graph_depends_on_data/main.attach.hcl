locals {
  tenant = data.event.setup.label
}

data "event" "setup" {
  mailbox = "ops@contoso.com"
  filter  = "subject eq 'tenant'"
}

graph {
  tenant_id = local.tenant
}
