# azurerm is documented but not built yet: validate and plan refuse it alike.
backend "azurerm" {
  storage_account_name = "contosostate"
  container_name       = "attachform"
  key                  = "prod.attachform.json"
}
