variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "chat_model" {
  type = object({ deployment = string, name = string, version = string, capacity = number })
}
variable "embedding_model" {
  type = object({ deployment = string, name = string, version = string, capacity = number })
}
# group -> the Function App's managed identity: each may call the deployments, nothing more.
variable "app_principal_ids" { type = map(string) }
variable "private_networking" { type = bool }
variable "private_endpoint_subnet_id" { type = string }
variable "private_dns_zone_id" { type = string }
variable "log_analytics_workspace_id" { type = string }
variable "tags" { type = map(string) }

# Azure OpenAI for the assistant (shared/llm.py). Keys are switched off: the apps authenticate with their
# managed identity and the Cognitive Services OpenAI User role, which may call deployments but not manage them.
resource "azurerm_cognitive_account" "openai" {
  #checkov:skip=CKV_AZURE_247:outbound access is restricted with no FQDN allowed at all (no "on your data" source is used), stricter than the allow-list the check asks for
  #checkov:skip=CKV2_AZURE_22:Microsoft-managed keys; the prompts hold no data beyond what the database keeps, and a customer key adds a Key Vault key with its own rotation for no gain here
  name                               = var.name
  resource_group_name                = var.resource_group_name
  location                           = var.location
  kind                               = "OpenAI"
  sku_name                           = "S0"
  custom_subdomain_name              = var.name
  local_auth_enabled                 = false
  public_network_access_enabled      = var.private_networking ? false : true
  outbound_network_access_restricted = true
  tags                               = var.tags

  identity {
    type = "SystemAssigned"
  }

  network_acls {
    # Private networking: only the private endpoint. Otherwise Entra ID RBAC is the only gate.
    default_action = var.private_networking ? "Deny" : "Allow"
  }
}

resource "azurerm_cognitive_deployment" "chat" {
  name                 = var.chat_model.deployment
  cognitive_account_id = azurerm_cognitive_account.openai.id

  model {
    format  = "OpenAI"
    name    = var.chat_model.name
    version = var.chat_model.version
  }

  sku {
    name     = "Standard"
    capacity = var.chat_model.capacity
  }
}

resource "azurerm_cognitive_deployment" "embedding" {
  name                 = var.embedding_model.deployment
  cognitive_account_id = azurerm_cognitive_account.openai.id

  model {
    format  = "OpenAI"
    name    = var.embedding_model.name
    version = var.embedding_model.version
  }

  sku {
    name     = "Standard"
    capacity = var.embedding_model.capacity
  }
}

resource "azurerm_role_assignment" "openai_user" {
  for_each             = var.app_principal_ids
  scope                = azurerm_cognitive_account.openai.id
  role_definition_name = "Cognitive Services OpenAI User"
  principal_id         = each.value
  principal_type       = "ServicePrincipal"
}

resource "azurerm_private_endpoint" "openai" {
  count               = var.private_networking ? 1 : 0
  name                = "pe-${azurerm_cognitive_account.openai.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = var.private_endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "account"
    private_connection_resource_id = azurerm_cognitive_account.openai.id
    subresource_names              = ["account"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "openai"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }
}

resource "azurerm_monitor_diagnostic_setting" "openai" {
  name                       = "audit"
  target_resource_id         = azurerm_cognitive_account.openai.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category_group = "audit"
  }
}

output "endpoint" {
  value = azurerm_cognitive_account.openai.endpoint
}

output "chat_deployment" {
  value = azurerm_cognitive_deployment.chat.name
}

output "embedding_deployment" {
  value = azurerm_cognitive_deployment.embedding.name
}
