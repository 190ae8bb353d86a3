data "azurerm_client_config" "current" {}

locals {
  # Globally unique names without a random provider: stable per subscription and environment.
  suffix    = substr(sha256("${data.azurerm_client_config.current.subscription_id}/${var.name_prefix}/${var.environment}"), 0, 6)
  base_name = "${var.name_prefix}-${var.environment}"
  tags      = merge(var.tags, { application = "aura", environment = var.environment, managed_by = "terraform" })

  # The secret the apps read through a Key Vault reference; its value is set outside Terraform (docs/deploy.md),
  # so it never enters the state. Versionless: a rotated secret is picked up without a redeploy.
  jwt_secret_name = "aura-jwt-secret"
}

resource "azurerm_resource_group" "main" {
  name     = "rg-${local.base_name}"
  location = var.location
  tags     = local.tags
}

module "monitoring" {
  source              = "./modules/monitoring"
  name                = local.base_name
  resource_group_name = azurerm_resource_group.main.name
  location            = var.location
  retention_days      = var.log_retention_days
  tags                = local.tags
}

module "network" {
  source              = "./modules/network"
  count               = var.private_networking ? 1 : 0
  name                = local.base_name
  resource_group_name = azurerm_resource_group.main.name
  location            = var.location
  address_space       = var.vnet_address_space
  tags                = local.tags
}

module "keyvault" {
  source                     = "./modules/keyvault"
  name                       = "kv-${local.base_name}-${local.suffix}"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = var.location
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  private_networking         = var.private_networking
  private_endpoint_subnet_id = var.private_networking ? module.network[0].private_endpoint_subnet_id : null
  private_dns_zone_id        = var.private_networking ? module.network[0].private_dns_zone_ids["vault"] : null
  log_analytics_workspace_id = module.monitoring.log_analytics_workspace_id
  tags                       = local.tags
}

module "servicebus" {
  source                     = "./modules/servicebus"
  name                       = "sb-${local.base_name}-${local.suffix}"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = var.location
  sku                        = var.servicebus_sku
  jobs_queue_prefix          = var.jobs_queue_prefix
  capability_groups          = toset(keys(var.capability_groups))
  event_subscriptions        = var.event_subscriptions
  private_networking         = var.private_networking
  private_endpoint_subnet_id = var.private_networking ? module.network[0].private_endpoint_subnet_id : null
  private_dns_zone_id        = var.private_networking ? module.network[0].private_dns_zone_ids["servicebus"] : null
  log_analytics_workspace_id = module.monitoring.log_analytics_workspace_id
  tags                       = local.tags
}

module "storage" {
  source                      = "./modules/storage"
  runtime_account_name        = "st${var.name_prefix}${var.environment}fn${local.suffix}"
  data_account_name           = "st${var.name_prefix}${var.environment}dt${local.suffix}"
  resource_group_name         = azurerm_resource_group.main.name
  location                    = var.location
  deployment_containers       = toset(keys(var.capability_groups))
  reports_retention_days      = var.reports_retention_days
  reports_immutability_locked = var.reports_immutability_locked
  upload_cors_origins         = var.upload_cors_origins
  private_networking          = var.private_networking
  private_endpoint_subnet_id  = var.private_networking ? module.network[0].private_endpoint_subnet_id : null
  private_dns_zone_ids        = var.private_networking ? module.network[0].private_dns_zone_ids : {}
  log_analytics_workspace_id  = module.monitoring.log_analytics_workspace_id
  tags                        = local.tags
}

module "postgres" {
  source                     = "./modules/postgres"
  name                       = "psql-${local.base_name}-${local.suffix}"
  resource_group_name        = azurerm_resource_group.main.name
  location                   = var.location
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = var.postgres_sku
  storage_mb                 = var.postgres_storage_mb
  high_availability          = var.postgres_high_availability
  backup_retention_days      = var.postgres_backup_retention_days
  entra_admin                = var.postgres_entra_admin
  private_networking         = var.private_networking
  delegated_subnet_id        = var.private_networking ? module.network[0].postgres_subnet_id : null
  private_dns_zone_id        = var.private_networking ? module.network[0].private_dns_zone_ids["postgres"] : null
  log_analytics_workspace_id = module.monitoring.log_analytics_workspace_id
  tags                       = local.tags
  # The server's private DNS zone must be linked to the network before the server is created in it.
  depends_on = [module.network]
}

locals {
  public_base_url = (
    var.public_base_url != "" ? var.public_base_url :
    var.api_management_enabled ? "https://${module.portal[0].default_host_name}" : ""
  )
  apim_name = "apim-${local.base_name}-${local.suffix}"

  # Exactly the keys of local.settings.example.json that differ per environment; the rest keep the code's
  # defaults, and the per-app ones (AURA_CAPABILITIES, DATABASE_URL, AURA_JOBS_QUEUE) come from modules/function_app.
  # Identity-based connections only: no key, password or connection string with a key in here.
  common_app_settings = {
    AURA_ENVIRONMENT                              = var.environment
    AURA_VERSION                                  = var.app_version
    AURA_LOG_LEVEL                                = "INFO"
    DATABASE_URL                                  = module.postgres.database_url_template
    AURA_DB_POOL_SIZE                             = "5"
    AURA_DB_MAX_OVERFLOW                          = "5"
    AURA_DB_ENTRA_AUTH                            = "true"
    AURA_JWT_SECRET                               = "@Microsoft.KeyVault(SecretUri=${module.keyvault.vault_uri}secrets/${local.jwt_secret_name})"
    AURA_JWT_ISSUER                               = "aura"
    AURA_ENTRA_TENANT_ID                          = var.entra_tenant_id
    AURA_ENTRA_AUDIENCE                           = var.entra_audience
    AURA_KEY_VAULT_URL                            = module.keyvault.vault_uri
    AURA_BUS_TRANSPORT                            = "servicebus"
    ServiceBusConnection__fullyQualifiedNamespace = module.servicebus.fully_qualified_namespace
    AURA_EVENTS_TOPIC                             = module.servicebus.events_topic_name
    AURA_STORAGE_BACKEND                          = "azure"
    AURA_STORAGE_ACCOUNT_URL                      = module.storage.data_blob_endpoint
    AURA_EMAIL_BACKEND                            = var.email.backend
    AURA_EMAIL_FROM                               = var.email.from
    AURA_SMTP_HOST                                = var.email.smtp_host
    AURA_SMTP_PORT                                = tostring(var.email.smtp_port)
    AURA_SMTP_USERNAME                            = var.email.smtp_user
    AURA_PUBLIC_BASE_URL                          = local.public_base_url
    # Behind API Management the client address is the X-Forwarded-For entry API Management appends (its policy);
    # without it, the one the Functions front end appends (functions/identity/client_address.py).
    AURA_TRUSTED_PROXY_HOPS = var.api_management_enabled ? "1" : "0"
    # glibc's malloc arenas, two instead of eight per core: the analytics job's threads otherwise each keep
    # an arena of freed memory (measured: 495 -> 475 MB peak for a million journal lines).
    MALLOC_ARENA_MAX = "2"
    # The assistant's model (shared/llm.py): Azure OpenAI when var.openai_enabled, else the offline provider.
    AURA_OPENAI_ENDPOINT             = var.openai_enabled ? module.openai[0].endpoint : ""
    AURA_OPENAI_CHAT_DEPLOYMENT      = var.openai_enabled ? module.openai[0].chat_deployment : ""
    AURA_OPENAI_EMBEDDING_DEPLOYMENT = var.openai_enabled ? module.openai[0].embedding_deployment : ""
    AURA_OPENAI_API_VERSION          = var.openai_api_version
  }
}

module "function_app" {
  source   = "./modules/function_app"
  for_each = var.capability_groups

  name                   = "func-${local.base_name}-${each.key}-${local.suffix}"
  resource_group_name    = azurerm_resource_group.main.name
  location               = var.location
  capabilities           = each.value.capabilities
  instance_memory_mb     = each.value.instance_memory_mb
  maximum_instance_count = each.value.maximum_instance_count
  app_settings           = local.common_app_settings
  database_host          = module.postgres.fqdn
  database_name          = module.postgres.database_name

  runtime_storage_account_name = module.storage.runtime_account_name
  runtime_storage_account_id   = module.storage.runtime_account_id
  deployment_container_url     = module.storage.deployment_container_urls[each.key]
  data_storage_account_id      = module.storage.data_account_id

  servicebus_topic_id = module.servicebus.events_topic_id
  # The app's own jobs queue: its AURA_JOBS_QUEUE, and the only queue its identity may send to or receive from.
  jobs_queue_name = module.servicebus.jobs_queue_names[each.key]
  jobs_queue_id   = module.servicebus.jobs_queue_ids[each.key]
  key_vault_id    = module.keyvault.id

  application_insights_connection_string = module.monitoring.application_insights_connection_string
  virtual_network_subnet_id              = var.private_networking ? module.network[0].functions_subnet_id : null
  log_analytics_workspace_id             = module.monitoring.log_analytics_workspace_id
  application_insights_id                = module.monitoring.application_insights_id
  tags                                   = local.tags
}

module "apim" {
  source = "./modules/apim"
  count  = var.api_management_enabled ? 1 : 0

  name                = local.apim_name
  resource_group_name = azurerm_resource_group.main.name
  location            = var.location
  sku_name            = var.api_management_sku
  publisher_name      = var.api_management_publisher_name
  publisher_email     = var.api_management_publisher_email
  backends = {
    for group, app in module.function_app : group => {
      host           = app.default_hostname
      route_prefixes = var.capability_groups[group].route_prefixes
    }
  }
  default_backend                        = var.default_api_group
  rate_limit_calls                       = var.api_rate_limit_calls
  rate_limit_period_seconds              = var.api_rate_limit_period_seconds
  max_request_bytes                      = var.api_max_request_bytes
  max_upload_bytes                       = var.api_max_upload_bytes
  application_insights_id                = module.monitoring.application_insights_id
  application_insights_connection_string = module.monitoring.application_insights_connection_string
  tags                                   = local.tags
}

module "portal" {
  source = "./modules/static_web_app"
  # The portal reaches the API through API Management, linked as its /api backend.
  count = var.api_management_enabled ? 1 : 0

  name                = "stapp-${local.base_name}-${local.suffix}"
  resource_group_name = azurerm_resource_group.main.name
  location            = var.portal_location
  sku                 = "Standard"
  api_management_id   = module.apim[0].id
  tags                = local.tags
}

module "openai" {
  source = "./modules/openai"
  count  = var.openai_enabled ? 1 : 0

  name                = "oai-${local.base_name}-${local.suffix}"
  resource_group_name = azurerm_resource_group.main.name
  location            = var.openai_location != "" ? var.openai_location : var.location
  chat_model          = var.openai_chat_model
  embedding_model     = var.openai_embedding_model
  # Every app's identity: the assistant's capability may move between groups.
  app_principal_ids          = { for group, app in module.function_app : group => app.principal_id }
  private_networking         = var.private_networking
  private_endpoint_subnet_id = var.private_networking ? module.network[0].private_endpoint_subnet_id : null
  private_dns_zone_id        = var.private_networking ? module.network[0].private_dns_zone_ids["openai"] : null
  log_analytics_workspace_id = module.monitoring.log_analytics_workspace_id
  tags                       = local.tags
}
