graph {
  endpoint = "emulator"
  region   = "westeurope"
}
