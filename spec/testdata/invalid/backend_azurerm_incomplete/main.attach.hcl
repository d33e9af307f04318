# azurerm needs its container and the blob's name, from the block or -backend-config.
backend "azurerm" {
  storage_account_name = "contosostate"
}
