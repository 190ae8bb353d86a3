variable "runtime_account_name" { type = string }
variable "data_account_name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "deployment_containers" { type = set(string) }
variable "reports_retention_days" { type = number }
variable "reports_immutability_locked" { type = bool }
variable "upload_cors_origins" { type = list(string) }
variable "private_networking" { type = bool }
variable "private_endpoint_subnet_id" { type = string }
variable "private_dns_zone_ids" { type = map(string) }
variable "log_analytics_workspace_id" { type = string }
variable "tags" { type = map(string) }

locals {
  # One blob private endpoint per account (in prod), keyed by account. The Functions host keeps leases and timer
  # state in blobs of the runtime account (no blob triggers or durable functions, so neither queues nor tables).
  blob_endpoints = {
    for key, account in { runtime = azurerm_storage_account.runtime, data = azurerm_storage_account.data } :
    key => account if var.private_networking
  }
  data_containers = toset(["uploads", "evidence", "reports", "audit-anchors"])
}

# The Functions runtime account (AzureWebJobsStorage) and the Flex Consumption deployment packages.
resource "azurerm_storage_account" "runtime" {
  #checkov:skip=CKV_AZURE_206:ZRS already; the runtime account holds leases, timer state and deployment packages, all rebuilt by a deploy
  #checkov:skip=CKV_AZURE_33:No queues are used; classic Storage Analytics logging needs shared keys, which are disabled
  #checkov:skip=CKV2_AZURE_1:Holds no client data (leases and deployment packages only); Microsoft-managed keys
  name                            = substr(var.runtime_account_name, 0, 24)
  resource_group_name             = var.resource_group_name
  location                        = var.location
  account_tier                    = "Standard"
  account_replication_type        = "ZRS"
  account_kind                    = "StorageV2"
  min_tls_version                 = "TLS1_2"
  https_traffic_only_enabled      = true
  shared_access_key_enabled       = false
  default_to_oauth_authentication = true
  allow_nested_items_to_be_public = false
  public_network_access_enabled   = var.private_networking ? false : true
  tags                            = var.tags

  network_rules {
    default_action = var.private_networking ? "Deny" : "Allow"
    bypass         = ["AzureServices"]
  }

  blob_properties {
    delete_retention_policy {
      days = 7
    }
    container_delete_retention_policy {
      days = 7
    }
  }
}

resource "azurerm_storage_container" "deployment" {
  #checkov:skip=CKV2_AZURE_21:Storage insights needs a storage account key (shared keys are disabled); blob logs go through diagnostic settings
  for_each              = var.deployment_containers
  name                  = "deploy-${each.key}"
  storage_account_id    = azurerm_storage_account.runtime.id
  container_access_type = "private"
}

# Client data: uploaded ledgers, evidence, issued reports and the audit-log anchors. Version-level immutability
# support is switched on for the account at creation (it cannot be added later); the account-wide default stays
# Disabled so uploads and evidence remain deletable, and the reports and audit-anchors containers carry their own
# WORM policies below.
resource "azurerm_storage_account" "data" {
  #checkov:skip=CKV_AZURE_33:No queues are used; classic Storage Analytics logging needs shared keys, which are disabled
  #checkov:skip=CKV2_AZURE_1:Microsoft-managed keys plus infrastructure (double) encryption; a customer-managed key waits on the firm's key-custody decision (docs/deploy.md)
  name                              = substr(var.data_account_name, 0, 24)
  resource_group_name               = var.resource_group_name
  location                          = var.location
  account_tier                      = "Standard"
  account_replication_type          = "GZRS"
  account_kind                      = "StorageV2"
  min_tls_version                   = "TLS1_2"
  https_traffic_only_enabled        = true
  shared_access_key_enabled         = false
  default_to_oauth_authentication   = true
  allow_nested_items_to_be_public   = false
  infrastructure_encryption_enabled = true
  public_network_access_enabled     = var.private_networking ? false : true
  tags                              = var.tags

  immutability_policy {
    state                         = "Disabled"
    allow_protected_append_writes = false
    period_since_creation_in_days = 1
  }

  network_rules {
    default_action = var.private_networking ? "Deny" : "Allow"
    bypass         = ["AzureServices"]
  }

  blob_properties {
    versioning_enabled  = true
    change_feed_enabled = true

    # Portals upload evidence with the API's create-only links; nothing else is allowed cross-origin.
    dynamic "cors_rule" {
      for_each = length(var.upload_cors_origins) > 0 ? [1] : []
      content {
        allowed_origins    = var.upload_cors_origins
        allowed_methods    = ["PUT"]
        allowed_headers    = ["content-type", "x-ms-blob-type", "x-ms-version", "x-ms-client-request-id"]
        exposed_headers    = ["etag", "x-ms-request-id"]
        max_age_in_seconds = 3600
      }
    }

    delete_retention_policy {
      days = 30
    }
    container_delete_retention_policy {
      days = 30
    }
  }
}

resource "azurerm_storage_container" "data" {
  #checkov:skip=CKV2_AZURE_21:Storage insights needs a storage account key (shared keys are disabled); the data_blob diagnostic setting sends read, write and delete logs to Log Analytics
  for_each              = local.data_containers
  name                  = each.key
  storage_account_id    = azurerm_storage_account.data.id
  container_access_type = "private"
}

# WORM for issued reports: every blob version written to `reports` is retained for the period and can be neither
# overwritten nor deleted before it ends, not even by an account owner once the policy is locked.
resource "azurerm_storage_container_immutability_policy" "reports" {
  storage_container_resource_manager_id = azurerm_storage_container.data["reports"].id
  immutability_period_in_days           = var.reports_retention_days
  protected_append_writes_enabled       = false
  protected_append_writes_all_enabled   = false
  locked                                = var.reports_immutability_locked
}

# WORM for the audit log's hourly anchors (the head of every hash chain): the database owner can cut records off
# the end of a chain, but not the anchors that name them, so a truncated chain fails verification.
resource "azurerm_storage_container_immutability_policy" "audit_anchors" {
  storage_container_resource_manager_id = azurerm_storage_container.data["audit-anchors"].id
  immutability_period_in_days           = var.reports_retention_days
  protected_append_writes_enabled       = false
  protected_append_writes_all_enabled   = false
  locked                                = var.reports_immutability_locked
}

resource "azurerm_private_endpoint" "blob" {
  for_each            = local.blob_endpoints
  name                = "pe-${each.value.name}-blob"
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = var.private_endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "blob"
    private_connection_resource_id = each.value.id
    subresource_names              = ["blob"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "blob"
    private_dns_zone_ids = [var.private_dns_zone_ids["blob"]]
  }
}

# Blob reads, writes and deletes of client data go to Log Analytics: who touched which file is audit evidence.
resource "azurerm_monitor_diagnostic_setting" "data_blob" {
  name                       = "audit"
  target_resource_id         = "${azurerm_storage_account.data.id}/blobServices/default"
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category = "StorageRead"
  }
  enabled_log {
    category = "StorageWrite"
  }
  enabled_log {
    category = "StorageDelete"
  }
}

output "runtime_account_name" {
  value = azurerm_storage_account.runtime.name
}

output "runtime_account_id" {
  value = azurerm_storage_account.runtime.id
}

output "deployment_container_urls" {
  value = { for group, container in azurerm_storage_container.deployment : group => "${azurerm_storage_account.runtime.primary_blob_endpoint}${container.name}" }
}

output "deployment_container_ids" {
  value = { for group, container in azurerm_storage_container.deployment : group => container.id }
}

output "data_account_id" {
  value = azurerm_storage_account.data.id
}

output "data_blob_endpoint" {
  value = azurerm_storage_account.data.primary_blob_endpoint
}
