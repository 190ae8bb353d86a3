variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "sku" { type = string }
variable "jobs_queue_prefix" { type = string }
variable "capability_groups" { type = set(string) }
variable "event_subscriptions" { type = map(list(string)) }
variable "private_networking" { type = bool }
variable "private_endpoint_subnet_id" { type = string }
variable "private_dns_zone_id" { type = string }
variable "log_analytics_workspace_id" { type = string }
variable "tags" { type = map(string) }

locals {
  # Private endpoints and network rules exist on Premium only; on Standard, Entra ID RBAC is the only gate.
  private = var.private_networking && var.sku == "Premium"
  # The outbox relay may send a row again after a crash between send and mark-published: the broker drops the
  # repeat by message id (= outbox id) within this window.
  duplicate_detection_window = "PT1H"
  max_delivery_count         = 10
}

resource "azurerm_servicebus_namespace" "main" {
  #checkov:skip=CKV_AZURE_201:Messages carry ids and the firm id only, never client data (docs/architecture.md); Microsoft-managed keys encrypt them at rest
  #checkov:skip=CKV_AZURE_199:Infrastructure double encryption needs a customer-managed key, see CKV_AZURE_201
  name                          = var.name
  resource_group_name           = var.resource_group_name
  location                      = var.location
  sku                           = var.sku
  capacity                      = var.sku == "Premium" ? 1 : 0
  premium_messaging_partitions  = var.sku == "Premium" ? 1 : 0
  local_auth_enabled            = false
  minimum_tls_version           = "1.2"
  public_network_access_enabled = local.private ? false : true
  tags                          = var.tags

  identity {
    type = "SystemAssigned"
  }

  dynamic "network_rule_set" {
    for_each = local.private ? [1] : []
    content {
      default_action                = "Deny"
      public_network_access_enabled = false
      trusted_services_allowed      = true
    }
  }
}

resource "azurerm_servicebus_topic" "events" {
  name                                    = "events"
  namespace_id                            = azurerm_servicebus_namespace.main.id
  requires_duplicate_detection            = true
  duplicate_detection_history_time_window = local.duplicate_detection_window
  default_message_ttl                     = "P14D"
  partitioning_enabled                    = false
}

# One subscription per consuming capability; a filter on the event type (the message subject, set by
# shared.bus.transport) lets only the events it registered for reach it.
resource "azurerm_servicebus_subscription" "consumer" {
  for_each                                  = var.event_subscriptions
  name                                      = each.key
  topic_id                                  = azurerm_servicebus_topic.events.id
  max_delivery_count                        = local.max_delivery_count
  dead_lettering_on_message_expiration      = true
  dead_lettering_on_filter_evaluation_error = true
  lock_duration                             = "PT5M"
  default_message_ttl                       = "P14D"
}

resource "azurerm_servicebus_subscription_rule" "event_types" {
  for_each        = var.event_subscriptions
  name            = "event-types"
  subscription_id = azurerm_servicebus_subscription.consumer[each.key].id
  filter_type     = "SqlFilter"
  sql_filter      = "sys.Label IN (${join(", ", [for type in sort(each.value) : "'${type}'"])})"
}

# One jobs queue per capability group (= Function App): a capability queues its own jobs, and only its app runs
# jobs_worker on that queue (AURA_JOBS_QUEUE), so no app receives a job whose handler lives elsewhere.
resource "azurerm_servicebus_queue" "jobs" {
  for_each                                = var.capability_groups
  name                                    = "${var.jobs_queue_prefix}-${each.key}"
  namespace_id                            = azurerm_servicebus_namespace.main.id
  max_delivery_count                      = local.max_delivery_count
  dead_lettering_on_message_expiration    = true
  requires_duplicate_detection            = true
  duplicate_detection_history_time_window = local.duplicate_detection_window
  lock_duration                           = "PT5M"
  default_message_ttl                     = "P14D"
  partitioning_enabled                    = false
}

resource "azurerm_private_endpoint" "namespace" {
  count               = local.private ? 1 : 0
  name                = "pe-${azurerm_servicebus_namespace.main.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  subnet_id           = var.private_endpoint_subnet_id
  tags                = var.tags

  private_service_connection {
    name                           = "namespace"
    private_connection_resource_id = azurerm_servicebus_namespace.main.id
    subresource_names              = ["namespace"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "servicebus"
    private_dns_zone_ids = [var.private_dns_zone_id]
  }
}

resource "azurerm_monitor_diagnostic_setting" "namespace" {
  name                       = "audit"
  target_resource_id         = azurerm_servicebus_namespace.main.id
  log_analytics_workspace_id = var.log_analytics_workspace_id

  enabled_log {
    category_group = "allLogs"
  }
}

output "namespace_id" {
  value = azurerm_servicebus_namespace.main.id
}

output "fully_qualified_namespace" {
  value = "${azurerm_servicebus_namespace.main.name}.servicebus.windows.net"
}

output "events_topic_name" {
  value = azurerm_servicebus_topic.events.name
}

output "jobs_queue_names" {
  value = { for group, queue in azurerm_servicebus_queue.jobs : group => queue.name }
}

output "events_topic_id" {
  value = azurerm_servicebus_topic.events.id
}

output "jobs_queue_ids" {
  value = { for group, queue in azurerm_servicebus_queue.jobs : group => queue.id }
}
