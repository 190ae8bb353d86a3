variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "capabilities" { type = list(string) }
variable "instance_memory_mb" { type = number }
variable "maximum_instance_count" { type = number }
variable "app_settings" { type = map(string) }
variable "database_host" { type = string }
variable "database_name" { type = string }
variable "runtime_storage_account_name" { type = string }
variable "runtime_storage_account_id" { type = string }
variable "deployment_container_url" { type = string }
variable "data_storage_account_id" { type = string }
variable "servicebus_topic_id" { type = string }
variable "jobs_queue_name" { type = string }
variable "jobs_queue_id" { type = string }
variable "key_vault_id" { type = string }
variable "application_insights_connection_string" {
  type      = string
  sensitive = true
}
variable "virtual_network_subnet_id" { type = string }
variable "log_analytics_workspace_id" { type = string }
variable "application_insights_id" { type = string }
variable "tags" { type = map(string) }

# Flex Consumption allows one app per plan, so each capability group gets its own plan and scales on its own.
resource "azurerm_service_plan" "app" {
  #checkov:skip=CKV_AZURE_225:FC1 (Flex Consumption) has no zone_balancing_enabled setting; the platform places instances
  #checkov:skip=CKV_AZURE_212:FC1 scales from zero on demand; worker_count and minimum instances belong to dedicated plans
  name                = "asp-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  os_type             = "Linux"
  sku_name            = "FC1"
  tags                = var.tags
}

resource "azurerm_function_app_flex_consumption" "app" {
  name                = var.name
  resource_group_name = var.resource_group_name
  location            = var.location
  service_plan_id     = azurerm_service_plan.app.id

  runtime_name           = "python"
  runtime_version        = "3.11"
  instance_memory_in_mb  = var.instance_memory_mb
  maximum_instance_count = var.maximum_instance_count

  # The deployment package is read with the app's own identity: no storage key anywhere.
  storage_container_type      = "blobContainer"
  storage_container_endpoint  = var.deployment_container_url
  storage_authentication_type = "SystemAssignedIdentity"

  https_only                                     = true
  client_certificate_mode                        = "Optional"
  public_network_access_enabled                  = true
  webdeploy_publish_basic_authentication_enabled = false
  virtual_network_subnet_id                      = var.virtual_network_subnet_id
  tags                                           = var.tags

  identity {
    type = "SystemAssigned"
  }

  site_config {
    application_insights_connection_string = var.application_insights_connection_string
    minimum_tls_version                    = "1.2"
    scm_minimum_tls_version                = "1.2"
    http2_enabled                          = true
    health_check_path                      = "/api/health"
    health_check_eviction_time_in_min      = 5
  }

  app_settings = merge(var.app_settings, local.app_settings)
}

locals {
  # No FUNCTIONS_WORKER_PROCESS_COUNT: Flex Consumption lists it as "Setting not valid" (its deprecated settings),
  # and runs one Python worker per instance on the instance's cores (2048 MB: 1 vCPU). infra/README.md says more.
  app_settings = {
    AURA_CAPABILITIES = join(",", var.capabilities)
    # This app's own jobs queue: its capabilities queue their jobs here and its jobs_worker runs them.
    AURA_JOBS_QUEUE = var.jobs_queue_name
    # The journal-entry tests' engine budget: a quarter of this app's instance memory (the sandbox's cgroup may
    # report the host's), beyond which DuckDB spills to the instance's temporary disk.
    AURA_ANALYTICS_MEMORY_MB = tostring(floor(var.instance_memory_mb / 4))
    # The login is the app's managed identity, named like the app once mapped with pgaadauth_create_principal;
    # the password is an Entra ID token fetched by shared.db.engine (AURA_DB_ENTRA_AUTH).
    DATABASE_URL = "postgresql+psycopg://${urlencode(var.name)}@${var.database_host}:5432/${var.database_name}?sslmode=require"
    # Identity-based AzureWebJobsStorage: the host finds the account by name and signs in as the app.
    AzureWebJobsStorage__accountName = var.runtime_storage_account_name
    AzureWebJobsStorage__credential  = "managedidentity"
  }

  principal_id = azurerm_function_app_flex_consumption.app.identity[0].principal_id

  # Exactly what the app uses, at the narrowest scope that works: the outbox relay sends to the topic `events` and
  # to the app's own jobs queue; the triggers receive from that queue and from subscriptions of the topic (rights
  # on a topic reach its subscriptions). No right on the other apps' jobs queues. The host keeps leases and timer
  # state in blobs of the runtime account, which also holds the deployment package (Storage Blob Data Owner is
  # what identity-based AzureWebJobsStorage requires). Telemetry goes to Application Insights with Entra ID auth
  # only, which needs Monitoring Metrics Publisher on the component.
  role_assignments = {
    events_sender   = { scope = var.servicebus_topic_id, role = "Azure Service Bus Data Sender" }
    events_receiver = { scope = var.servicebus_topic_id, role = "Azure Service Bus Data Receiver" }
    jobs_sender     = { scope = var.jobs_queue_id, role = "Azure Service Bus Data Sender" }
    jobs_receiver   = { scope = var.jobs_queue_id, role = "Azure Service Bus Data Receiver" }
    data_blobs      = { scope = var.data_storage_account_id, role = "Storage Blob Data Contributor" }
    runtime_blobs   = { scope = var.runtime_storage_account_id, role = "Storage Blob Data Owner" }
    key_vault       = { scope = var.key_vault_id, role = "Key Vault Secrets User" }
    telemetry       = { scope = var.application_insights_id, role = "Monitoring Metrics Publisher" }
  }
}

resource "azurerm_role_assignment" "app" {
  for_each             = local.role_assignments
  scope                = each.value.scope
  role_definition_name = each.value.role
  principal_id         = local.principal_id
  principal_type       = "ServicePrincipal"
}

resource "azurerm_monitor_diagnostic_setting" "app" {
  name                       = "logs"
  target_resource_id         = azurerm_function_app_flex_consumption.app.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category = "FunctionAppLogs"
  }
}

output "name" {
  value = azurerm_function_app_flex_consumption.app.name
}

output "default_hostname" {
  value = azurerm_function_app_flex_consumption.app.default_hostname
}

output "principal_id" {
  value = local.principal_id
}
