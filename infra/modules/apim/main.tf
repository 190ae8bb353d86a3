variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "sku_name" { type = string }
variable "publisher_name" { type = string }
variable "publisher_email" { type = string }
variable "backends" {
  description = "group -> the app's host name and the first path segments under /api it serves"
  type = map(object({
    host           = string
    route_prefixes = list(string)
  }))
}
variable "default_backend" { type = string }
variable "rate_limit_calls" { type = number }
variable "rate_limit_period_seconds" { type = number }
variable "max_request_bytes" { type = number }
variable "max_upload_bytes" { type = number }
variable "tags" { type = map(string) }

locals {
  consumption = startswith(var.sku_name, "Consumption")
  methods     = toset(["GET", "POST", "PUT", "PATCH", "DELETE"])

  # First path segment -> backend id; anything not listed goes to the default group (the platform endpoints).
  routes = merge([
    for group, backend in var.backends : { for prefix in backend.route_prefixes : prefix => group }
  ]...)

  # The routes that take a file as the raw body (the app's own limit: AURA_MAX_DIRECT_UPLOAD_MB).
  upload_routes = "^/api/(engagements/[^/]+/(datasets|datasets/preview|evidence|(evidence/)?uploads/[^/]+/content|samples|samples/[^/]+/(workbook|items)|requests/[^/]+/attachments)|analytics/benford|sampling/(mus|classical)/evaluate)$"

  policy = templatefile("${path.module}/policy.xml.tftpl", {
    consumption       = local.consumption
    calls             = var.rate_limit_calls
    period            = var.rate_limit_period_seconds
    max_request_bytes = var.max_request_bytes
    max_upload_bytes  = var.max_upload_bytes
    upload_routes     = local.upload_routes
    routes            = local.routes
    default_backend   = var.default_backend
  })
}

resource "azurerm_api_management" "main" {
  #checkov:skip=CKV_AZURE_107:The Consumption tier cannot join a virtual network; the gateway is the public front door by design
  #checkov:skip=CKV_AZURE_174:API Management is the one public entry point of the system; the apps behind it authenticate every call
  name                          = var.name
  resource_group_name           = var.resource_group_name
  location                      = var.location
  publisher_name                = var.publisher_name
  publisher_email               = var.publisher_email
  sku_name                      = var.sku_name
  min_api_version               = "2021-08-01"
  public_network_access_enabled = true
  tags                          = var.tags

  identity {
    type = "SystemAssigned"
  }

  security {
    backend_ssl30_enabled                               = false
    backend_tls10_enabled                               = false
    backend_tls11_enabled                               = false
    frontend_ssl30_enabled                              = false
    frontend_tls10_enabled                              = false
    frontend_tls11_enabled                              = false
    tls_rsa_with_aes128_cbc_sha256_ciphers_enabled      = false
    tls_rsa_with_aes128_cbc_sha_ciphers_enabled         = false
    tls_rsa_with_aes256_cbc_sha256_ciphers_enabled      = false
    tls_rsa_with_aes256_cbc_sha_ciphers_enabled         = false
    tls_ecdhe_ecdsa_with_aes128_cbc_sha_ciphers_enabled = false
    tls_ecdhe_ecdsa_with_aes256_cbc_sha_ciphers_enabled = false
    tls_ecdhe_rsa_with_aes128_cbc_sha_ciphers_enabled   = false
    tls_ecdhe_rsa_with_aes256_cbc_sha_ciphers_enabled   = false
  }
}

resource "azurerm_api_management_backend" "app" {
  for_each            = var.backends
  name                = each.key
  resource_group_name = var.resource_group_name
  api_management_name = azurerm_api_management.main.name
  protocol            = "http"
  url                 = "https://${each.value.host}/api"

  tls {
    validate_certificate_chain = true
    validate_certificate_name  = true
  }
}

# One API at /api, the same paths as the local host; the policy picks the app by the first path segment.
resource "azurerm_api_management_api" "aura" {
  name                  = "aura"
  resource_group_name   = var.resource_group_name
  api_management_name   = azurerm_api_management.main.name
  revision              = "1"
  display_name          = "Aura"
  path                  = "api"
  protocols             = ["https"]
  service_url           = "https://${var.backends[var.default_backend].host}/api"
  subscription_required = local.consumption
}

resource "azurerm_api_management_api_operation" "all" {
  for_each            = local.methods
  operation_id        = lower(each.key)
  api_name            = azurerm_api_management_api.aura.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = var.resource_group_name
  display_name        = "${each.key} /*"
  method              = each.key
  url_template        = "/*"
}

resource "azurerm_api_management_api_policy" "aura" {
  api_name            = azurerm_api_management_api.aura.name
  api_management_name = azurerm_api_management.main.name
  resource_group_name = var.resource_group_name
  xml_content         = local.policy
}

output "gateway_url" {
  value = "${azurerm_api_management.main.gateway_url}/api"
}

output "name" {
  value = azurerm_api_management.main.name
}

output "id" {
  value = azurerm_api_management.main.id
}
