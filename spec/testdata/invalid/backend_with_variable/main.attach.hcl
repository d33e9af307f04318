variable "state_path" {
  default = "state.json"
}

backend "local" {
  path = var.state_path
}
