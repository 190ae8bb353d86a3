terraform {
  required_version = ">= 1.9, < 2.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # 4.42 renamed Key Vault's RBAC switch to rbac_authorization_enabled, which the keyvault module uses.
      version = "~> 4.42"
    }
    # For the one resource azurerm lacks: the portal's API Management backend link (modules/static_web_app).
    azapi = {
      source  = "Azure/azapi"
      version = "~> 2.4"
    }
  }

  # Partial configuration: the state account is given at `terraform init -backend-config=...` (docs/deploy.md).
  # Entra ID auth to the state container, because the state account has shared keys disabled too.
  backend "azurerm" {
    use_azuread_auth = true
  }
}

provider "azapi" {}

provider "azurerm" {
  features {
    key_vault {
      # Purge protection is on: a destroyed vault stays recoverable instead of being purged.
      purge_soft_delete_on_destroy = false
    }
    resource_group {
      prevent_deletion_if_contains_resources = true
    }
  }

  # Every storage account has shared keys disabled, so the provider's data-plane calls must use Entra ID.
  storage_use_azuread = true
}
