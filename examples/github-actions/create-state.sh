#!/usr/bin/env bash
# create-state.sh RESOURCE_GROUP ACCOUNT LOCATION PLAN_APP_ID APPLY_APP_ID
#
# Creates the Azure Storage that holds attachform's state, with the Azure
# CLI (az login first, as someone who may create resources and assign
# roles in the subscription):
#
#   - the resource group and a storage account: no public blob access, no
#     shared keys (Entra ID sign-in only), TLS 1.2, blob versioning and 30
#     days of soft delete (an earlier state can be brought back);
#   - the private container "attachform", as attachments/backend.attach.hcl
#     names it;
#   - on that container only: Storage Blob Data Reader for the plan's
#     identity (pull requests read the state, with -lock=false) and Storage
#     Blob Data Contributor for the apply's (it writes the state and takes
#     its lease, the lock).
#
# It prints the value of ATTACHFORM_STATE_ENDPOINT. The container starts
# empty: attachform init finds no state there and succeeds, and the first
# apply writes it. Run it once; running it again changes nothing.
set -euo pipefail

if [ $# -ne 5 ]; then
  echo "usage: create-state.sh RESOURCE_GROUP ACCOUNT LOCATION PLAN_APP_ID APPLY_APP_ID" >&2
  echo "  e.g. create-state.sh rg-attachform stattachformcontoso westeurope 3333…-plan-client-id 2222…-apply-client-id" >&2
  exit 2
fi
group=$1 account=$2 location=$3 plan_app=$4 apply_app=$5
if ! [[ $account =~ ^[a-z0-9]{3,24}$ ]]; then
  echo "create-state.sh: a storage account name is 3 to 24 lowercase letters and digits, not \"$account\"" >&2
  exit 2
fi

az group create --name "$group" --location "$location" --output none
az storage account create --name "$account" --resource-group "$group" --location "$location" \
  --sku Standard_LRS --kind StorageV2 --min-tls-version TLS1_2 \
  --allow-blob-public-access false --allow-shared-key-access false --output none
az storage account blob-service-properties update --account-name "$account" --resource-group "$group" \
  --enable-versioning true --enable-delete-retention true --delete-retention-days 30 --output none
# Through Azure Resource Manager: needs no data-plane role for whoever runs
# this script.
az storage container-rm create --storage-account "$account" --resource-group "$group" \
  --name attachform --public-access off --output none

account_id=$(az storage account show --name "$account" --resource-group "$group" --query id --output tsv)
container="$account_id/blobServices/default/containers/attachform"
az role assignment create --assignee "$plan_app" --role "Storage Blob Data Reader" --scope "$container" --output none
az role assignment create --assignee "$apply_app" --role "Storage Blob Data Contributor" --scope "$container" --output none

echo "ATTACHFORM_STATE_ENDPOINT=https://$account.blob.core.windows.net"
