backend "local" {
  path = "a.json"
}

backend "local" {
  path = "b.json"
}
