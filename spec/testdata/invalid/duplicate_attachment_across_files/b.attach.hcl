attachment "a" {
  target = target.inbox
  source = "a.txt"
  name = "b.txt"
}
