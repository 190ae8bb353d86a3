# The portal: a Static Web App serving portal/dist, with API Management linked as its backend so that the
# browser reaches the API at the portal's own origin under /api. Same origin means no CORS, and the session
# cookie (SameSite=Strict, path /api/auth/session) is first-party. Linked backends need the Standard plan.

variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "sku" { type = string }
variable "api_management_id" {
  description = "The API Management instance the portal's /api requests go to."
  type        = string
}
variable "tags" { type = map(string) }

resource "azurerm_static_web_app" "portal" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  sku_tier            = var.sku
  sku_size            = var.sku
  # Previews would be public copies of the portal on other host names; deployments go to production only.
  preview_environments_enabled       = false
  configuration_file_changes_enabled = true
  public_network_access_enabled      = true
  tags                               = var.tags
}

# azurerm has no resource for an API Management backend link; the ARM resource is used through azapi.
resource "azapi_resource" "api_backend" {
  type      = "Microsoft.Web/staticSites/linkedBackends@2023-12-01"
  name      = "aura-api"
  parent_id = azurerm_static_web_app.portal.id
  body = {
    properties = {
      backendResourceId = var.api_management_id
      region            = var.location
    }
  }
}

output "default_host_name" {
  value = azurerm_static_web_app.portal.default_host_name
}

output "name" {
  value = azurerm_static_web_app.portal.name
}

output "deployment_token" {
  description = "What the deploy workflow uploads portal/dist with (AZURE_STATIC_WEB_APPS_API_TOKEN)."
  value       = azurerm_static_web_app.portal.api_key
  sensitive   = true
}
