backend "azurerm" {
  storage_account_name = "Contoso_State"
}
