variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "tenant_id" { type = string }
variable "private_networking" { type = bool }
variable "private_endpoint_subnet_id" { type = string }
variable "private_dns_zone_id" { type = string }
variable "log_analytics_workspace_id" { type = string }
variable "tags" { type = map(string) }

# RBAC mode: who may read a secret is a role assignment (Key Vault Secrets User per app), not an access policy.
resource "azurerm_key_vault" "main" {
  name                          = substr(var.name, 0, 24)
  resource_group_name           = var.resource_group_name
  location                      = var.location
  tenant_id                     = var.tenant_id
  sku_name                      = "standard"
  rbac_authorization_enabled    = true
  purge_protection_enabled      = true
  soft_delete_retention_days    = 90
  public_network_access_enabled = var.private_networking ? false : true
  tags                          = var.tags

  network_acls {
    # Private networking: only the private endpoint. Otherwise Entra ID RBAC is the only gate.
    default_action = var.private_networking ? "Deny" : "Allow"
    bypass         = "AzureServices"
  }
}

resource "azurerm_private_endpoint" "vault" {
  count               = var.private_networking ? 1 : 0
  name                = "pe-${azurerm_key_vault.main.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = var.private_endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "vault"
    private_connection_resource_id = azurerm_key_vault.main.id
    subresource_names              = ["vault"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "vault"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }
}

resource "azurerm_monitor_diagnostic_setting" "vault" {
  name                       = "audit"
  target_resource_id         = azurerm_key_vault.main.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category_group = "audit"
  }
}

output "id" {
  value = azurerm_key_vault.main.id
}

output "vault_uri" {
  value = azurerm_key_vault.main.vault_uri
}

output "name" {
  value = azurerm_key_vault.main.name
}
