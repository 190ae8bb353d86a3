output "resource_group_name" {
  description = "The resource group holding everything."
  value       = azurerm_resource_group.main.name
}

output "function_apps" {
  description = "group -> app name and API base URL; the deploy workflow's matrix is built from it."
  value = {
    for group, app in module.function_app : group => {
      name         = app.name
      api_base_url = "https://${app.default_hostname}/api"
      principal_id = app.principal_id
    }
  }
}

output "function_app_names_json" {
  description = "JSON list of {group, name} for the deploy workflow's matrix (vars.AURA_FUNCTION_APPS)."
  value       = jsonencode([for group, app in module.function_app : { group = group, name = app.name }])
}

output "api_base_url" {
  description = "The one public base URL (API Management), or the default group's app without it."
  value       = var.api_management_enabled ? module.apim[0].gateway_url : "https://${module.function_app[var.default_api_group].default_hostname}/api"
}

output "key_vault_name" {
  description = "Where aura-jwt-secret (and aura-smtp-password) are set, outside Terraform."
  value       = module.keyvault.name
}

output "postgres_fqdn" {
  description = "PostgreSQL host for the migration run and the role-mapping SQL."
  value       = module.postgres.fqdn
}

output "postgres_server_name" {
  value = module.postgres.name
}

output "servicebus_namespace" {
  value = module.servicebus.fully_qualified_namespace
}

output "jobs_queues" {
  description = "group -> that app's Service Bus queue for job commands (its AURA_JOBS_QUEUE)."
  value       = module.servicebus.jobs_queue_names
}

output "data_blob_endpoint" {
  value = module.storage.data_blob_endpoint
}

output "egress_ip_address" {
  description = "The apps' fixed outbound address (private networking), e.g. for an SMTP relay's allow-list."
  value       = var.private_networking ? module.network[0].egress_ip_address : null
}

output "portal_url" {
  description = "The portal; its /api goes to API Management (the same origin, so no CORS)."
  value       = var.api_management_enabled ? "https://${module.portal[0].default_host_name}" : null
}

output "portal_deployment_token" {
  description = "The Static Web App's deployment token, for the deploy workflow's portal job."
  value       = var.api_management_enabled ? module.portal[0].deployment_token : null
  sensitive   = true
}
