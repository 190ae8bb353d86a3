# A cheap, disposable environment: public endpoints guarded by Entra ID only, no HA, no locked WORM.
environment = "dev"
location    = "westeurope"

capability_groups = {
  api = {
    capabilities           = ["identity", "engagement", "ingestion", "analytics", "planning", "sampling", "mapping", "qc", "reporting", "financial_analysis", "client_requests", "fieldwork", "disclosures", "assistant"]
    route_prefixes         = ["auth", "firm", "users", "invitations", "clients", "engagements", "analytics", "sampling", "standard-chart", "requests"]
    maximum_instance_count = 10
  }
}

# subscription name -> event types; must equal the code's event_consumer registrations (tests/infra).
event_subscriptions = {
  analytics = ["dataset.ingested"]
  mapping   = ["dataset.ingested"]
  qc        = ["engagement.status_changed"]
  reporting = ["engagement.finalized", "engagement.status_changed"]
}

private_networking          = false
servicebus_sku              = "Standard"
postgres_sku                = "B_Standard_B1ms"
postgres_storage_mb         = 32768
postgres_high_availability  = false
reports_retention_days      = 1
reports_immutability_locked = false
log_retention_days          = 30

postgres_entra_admin = {
  object_id      = "00000000-0000-0000-0000-000000000000" # replace: the Entra group of database administrators
  principal_name = "aura-dev-db-admins"
  principal_type = "Group"
}

api_management_enabled         = true
api_management_sku             = "Consumption_0"
api_management_publisher_email = "platform@example.com"

email = {
  backend   = "smtp"
  from      = "aura-dev@example.com"
  smtp_host = "smtp.example.com"
  smtp_port = 587
  smtp_user = ""
}
