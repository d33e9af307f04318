backend "azurerm" {
  storage_account_name = "contosostate"
  container_name       = "attachform"
  key                  = "prod.json"
}
