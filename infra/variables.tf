variable "environment" {
  description = "Short environment name; part of every resource name and the AURA_ENVIRONMENT app setting."
  type        = string

  validation {
    condition     = contains(["dev", "prod"], var.environment)
    error_message = "environment must be dev or prod (the values shared/settings.py accepts in Azure)."
  }
}

variable "location" {
  description = "Azure region for every resource."
  type        = string
}

variable "name_prefix" {
  description = "Lowercase letters only; first part of every resource name."
  type        = string
  default     = "aura"

  validation {
    condition     = can(regex("^[a-z]{2,8}$", var.name_prefix))
    error_message = "name_prefix must be 2 to 8 lowercase letters (storage account names allow nothing else)."
  }
}

variable "tags" {
  description = "Tags added to every resource."
  type        = map(string)
  default     = {}
}

variable "capability_groups" {
  description = <<-EOT
    One Function App per group. Key: the group name (part of the app name). capabilities: the AURA_CAPABILITIES
    of that app; together the groups must name every capability in shared.settings.ALL_CAPABILITIES exactly once
    (tests/infra checks it). route_prefixes: the first path segments under /api that API Management sends to this
    app. The platform endpoints every app carries (health, jobs, audit-log, openapi.json, docs) go to default_api_group.
  EOT
  type = map(object({
    capabilities           = list(string)
    route_prefixes         = optional(list(string), [])
    instance_memory_mb     = optional(number, 2048)
    maximum_instance_count = optional(number, 40)
  }))

  validation {
    condition     = alltrue([for name in keys(var.capability_groups) : can(regex("^[a-z][a-z0-9]{1,11}$", name))])
    error_message = "Group names must be 2 to 12 lowercase letters or digits, starting with a letter."
  }

  # The Flex Consumption instance sizes and their cores (infra/README.md says what the cores mean for the app).
  validation {
    condition     = alltrue([for group in values(var.capability_groups) : contains([512, 2048, 4096], group.instance_memory_mb)])
    error_message = "instance_memory_mb must be a Flex Consumption instance size: 512 (0.25 vCPU), 2048 (1 vCPU) or 4096 (2 vCPU)."
  }
}

variable "default_api_group" {
  description = "The group whose app serves the platform endpoints behind API Management."
  type        = string
  default     = "api"
}

variable "event_subscriptions" {
  description = <<-EOT
    Service Bus subscriptions on the topic `events`: subscription name -> the event types it takes. Must equal what
    the code registers with shared.bus.consumer.event_consumer (SUBSCRIPTION_FILTERS; tests/infra checks it).
  EOT
  type        = map(list(string))
  default     = {}

  validation {
    condition     = alltrue([for types in values(var.event_subscriptions) : length(types) > 0])
    error_message = "Every subscription needs at least one event type; an empty filter would match nothing."
  }
}

variable "jobs_queue_prefix" {
  description = <<-EOT
    Each capability group's app gets its own Service Bus queue for job commands, named <prefix>-<group> (its
    AURA_JOBS_QUEUE): a capability queues its own jobs, so only the app that has the handler receives them.
  EOT
  type        = string
  default     = "jobs"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,30}$", var.jobs_queue_prefix))
    error_message = "jobs_queue_prefix must be 1 to 31 lowercase letters, digits or hyphens, starting with a letter."
  }
}

variable "private_networking" {
  description = <<-EOT
    Put the apps in a virtual network and reach Key Vault, Storage and PostgreSQL (and Service Bus on Premium) through
    private endpoints only. Off only for a throwaway dev environment.
  EOT
  type        = bool
  default     = true
}

variable "vnet_address_space" {
  description = "Address space of the virtual network (private_networking)."
  type        = string
  default     = "10.40.0.0/16"
}

variable "servicebus_sku" {
  description = "Standard, or Premium (needed for private endpoints and network rules on Service Bus)."
  type        = string
  default     = "Premium"

  validation {
    condition     = contains(["Standard", "Premium"], var.servicebus_sku)
    error_message = "servicebus_sku must be Standard or Premium (Basic has no topics)."
  }
}

variable "postgres_sku" {
  description = "PostgreSQL Flexible Server SKU."
  type        = string
  default     = "GP_Standard_D2ds_v5"
}

variable "postgres_storage_mb" {
  description = "PostgreSQL storage in MB."
  type        = number
  default     = 65536
}

variable "postgres_high_availability" {
  description = "Zone-redundant standby for PostgreSQL."
  type        = bool
  default     = true
}

variable "postgres_backup_retention_days" {
  description = "Point-in-time restore window."
  type        = number
  default     = 35
}

variable "postgres_entra_admin" {
  description = <<-EOT
    The Entra ID group (recommended) or user that administers PostgreSQL: it runs the migrations and maps the app
    identities (docs/deploy.md). Nobody signs in with a password; password auth is off.
  EOT
  type = object({
    object_id      = string
    principal_name = string
    principal_type = optional(string, "Group")
  })
}

variable "reports_retention_days" {
  description = "Days each report version, and each audit-log anchor, stays write-once (WORM) in the reports and audit-anchors containers."
  type        = number
  default     = 2557 # seven years: the usual retention of audit documentation
}

variable "upload_cors_origins" {
  description = <<-EOT
    Browser origins (the portals) allowed to PUT evidence straight to the data account through the create-only
    upload links the API hands out. Empty: only non-browser clients can use those links.
  EOT
  type        = list(string)
  default     = []
  validation {
    condition     = alltrue([for origin in var.upload_cors_origins : can(regex("^https://[^/*]+$", origin))])
    error_message = "Each origin must be an exact https:// origin, no wildcard and no path."
  }
}

variable "reports_immutability_locked" {
  description = "Lock the reports and audit-anchors retention policies. Irreversible: a locked policy can be extended but never shortened or removed."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Log Analytics retention."
  type        = number
  default     = 90
}

variable "api_management_enabled" {
  description = "Put API Management (one public base URL, rate limits, size limits, routing) in front of the apps."
  type        = bool
  default     = true
}

variable "api_management_sku" {
  description = <<-EOT
    API Management SKU. Consumption_0 cannot run rate-limit-by-key, so there the limit is per subscription key and
    every caller needs one; other tiers limit per subscription key or, without one, per client IP address.
  EOT
  type        = string
  default     = "Consumption_0"
}

variable "api_management_publisher_name" {
  description = "Publisher name shown by API Management."
  type        = string
  default     = "Aura"
}

variable "api_management_publisher_email" {
  description = "Publisher e-mail API Management sends notifications to."
  type        = string
}

variable "api_rate_limit_calls" {
  description = "Requests each caller may make per api_rate_limit_period_seconds."
  type        = number
  default     = 120
}

variable "api_rate_limit_period_seconds" {
  description = "Window of the per-caller rate limit."
  type        = number
  default     = 60
}

variable "api_max_request_bytes" {
  description = "Largest request body API Management forwards; the app itself refuses bodies over 1 MiB with 413."
  type        = number
  default     = 1048576
}

variable "api_max_upload_bytes" {
  description = "Largest file API Management forwards as a raw body (evidence, client data); the Functions host's own limit is 100 MB."
  type        = number
  default     = 104857600
}

variable "entra_tenant_id" {
  description = "AURA_ENTRA_TENANT_ID: accept Entra ID sign-in tokens from this tenant (empty: off)."
  type        = string
  default     = ""
}

variable "entra_audience" {
  description = "AURA_ENTRA_AUDIENCE: the audience of accepted Entra ID tokens."
  type        = string
  default     = ""
}

variable "public_base_url" {
  description = "AURA_PUBLIC_BASE_URL: the portal's address (its custom domain, if it has one); links in e-mails open its /accept-invitation and /reset-password pages. Empty: the Static Web App's own host name."
  type        = string
  default     = ""
}

variable "app_version" {
  description = "AURA_VERSION reported by /api/health."
  type        = string
  default     = "0.1.0"
}

variable "email" {
  description = "E-mail delivery. The SMTP password, if any, goes into Key Vault as aura-smtp-password (docs/deploy.md)."
  type = object({
    backend   = optional(string, "smtp")
    from      = string
    smtp_host = optional(string, "")
    smtp_port = optional(number, 587)
    smtp_user = optional(string, "")
  })
}

variable "portal_location" {
  description = "Region of the portal's Static Web App (offered in fewer regions than the rest: westeurope, eastus2, centralus, westus2, eastasia)."
  type        = string
  default     = "westeurope"
  validation {
    condition     = contains(["westeurope", "eastus2", "centralus", "westus2", "eastasia"], var.portal_location)
    error_message = "Static Web Apps are offered in westeurope, eastus2, centralus, westus2 and eastasia."
  }
}

variable "openai_enabled" {
  description = <<-EOT
    Create an Azure OpenAI account with a chat and an embedding deployment for the assistant, callable by the apps'
    managed identities only. Off: the assistant answers with its offline provider (extractive, no network).
  EOT
  type        = bool
  default     = false
}

variable "openai_location" {
  description = "Region of the Azure OpenAI account when the models are not offered in var.location; empty: var.location."
  type        = string
  default     = ""
}

variable "openai_api_version" {
  description = "The Azure OpenAI data-plane API version the apps call (AURA_OPENAI_API_VERSION)."
  type        = string
  default     = "2024-10-21"
}

variable "openai_chat_model" {
  description = "The chat deployment: its name (AURA_OPENAI_CHAT_DEPLOYMENT), model, version and capacity (thousands of tokens a minute)."
  type        = object({ deployment = string, name = string, version = string, capacity = number })
  default     = { deployment = "chat", name = "gpt-4o-mini", version = "2024-07-18", capacity = 30 }
}

variable "openai_embedding_model" {
  description = "The embedding deployment: its name (AURA_OPENAI_EMBEDDING_DEPLOYMENT), model, version and capacity."
  type        = object({ deployment = string, name = string, version = string, capacity = number })
  default     = { deployment = "embedding", name = "text-embedding-3-small", version = "1", capacity = 30 }
}
