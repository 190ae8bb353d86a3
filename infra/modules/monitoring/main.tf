variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "retention_days" { type = number }
variable "tags" { type = map(string) }

resource "azurerm_log_analytics_workspace" "main" {
  name                = "log-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  sku                 = "PerGB2018"
  retention_in_days   = var.retention_days
  tags                = var.tags
}

resource "azurerm_application_insights" "main" {
  name                = "appi-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  workspace_id        = azurerm_log_analytics_workspace.main.id
  application_type    = "other"
  retention_in_days   = var.retention_days
  # No ingestion with the instrumentation key alone: the apps' OpenTelemetry exporters sign in with their managed
  # identity (Monitoring Metrics Publisher on this resource, shared/telemetry.py); the connection string only
  # tells them where to send.
  local_authentication_disabled = true
  tags                          = var.tags
}

output "log_analytics_workspace_id" {
  value = azurerm_log_analytics_workspace.main.id
}

output "application_insights_id" {
  value = azurerm_application_insights.main.id
}

output "application_insights_connection_string" {
  value     = azurerm_application_insights.main.connection_string
  sensitive = true
}
