backend "local" {
  path = "prod.attachform.json"
}
