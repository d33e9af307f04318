graph {
  endpoint = "emulator"
}

graph {
  cloud = "global"
}
