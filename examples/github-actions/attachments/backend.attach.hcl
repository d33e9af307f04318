# The state lives in Azure Storage, where every job finds it (a CI runner is
# new every job). The storage account is given at init time, from the
# repository variable ATTACHFORM_STATE_ENDPOINT:
#
#   attachform init -backend-config="endpoint=$ATTACHFORM_STATE_ENDPOINT"
#
# The dry run for forks deletes this file first: it has no Azure
# credentials, and plans from no state against the emulator.
backend "azurerm" {
  container_name = "attachform"
  key            = "attachments.attachform.json"
}
