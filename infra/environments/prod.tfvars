# Private by default: apps in a virtual network, data services behind private endpoints, locked WORM for reports.
environment = "prod"
location    = "westeurope"

capability_groups = {
  api = {
    capabilities           = ["identity", "engagement", "ingestion", "analytics", "planning", "sampling", "mapping", "qc", "reporting", "financial_analysis", "client_requests", "fieldwork", "disclosures", "assistant"]
    route_prefixes         = ["auth", "firm", "users", "invitations", "clients", "engagements", "analytics", "sampling", "standard-chart", "requests"]
    maximum_instance_count = 40
  }
}

# subscription name -> event types; must equal the code's event_consumer registrations (tests/infra).
event_subscriptions = {
  analytics = ["dataset.ingested"]
  mapping   = ["dataset.ingested"]
  qc        = ["engagement.status_changed"]
  reporting = ["engagement.finalized", "engagement.status_changed"]
}

private_networking          = true
servicebus_sku              = "Premium"
postgres_sku                = "GP_Standard_D4ds_v5"
postgres_storage_mb         = 131072
postgres_high_availability  = true
reports_retention_days      = 2557
reports_immutability_locked = true
log_retention_days          = 365

postgres_entra_admin = {
  object_id      = "00000000-0000-0000-0000-000000000000" # replace: the Entra group of database administrators
  principal_name = "aura-prod-db-admins"
  principal_type = "Group"
}

api_management_enabled         = true
api_management_sku             = "Consumption_0"
api_management_publisher_email = "platform@example.com"

email = {
  backend   = "smtp"
  from      = "aura@example.com"
  smtp_host = "smtp.example.com"
  smtp_port = 587
  smtp_user = "aura"
}
