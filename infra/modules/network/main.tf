variable "name" { type = string }
variable "resource_group_name" { type = string }
variable "location" { type = string }
variable "address_space" { type = string }
variable "tags" { type = map(string) }

locals {
  # One zone per private endpoint kind; names are fixed by Azure.
  private_dns_zones = {
    blob       = "privatelink.blob.core.windows.net"
    vault      = "privatelink.vaultcore.azure.net"
    servicebus = "privatelink.servicebus.windows.net"
    postgres   = "privatelink.postgres.database.azure.com"
    openai     = "privatelink.openai.azure.com"
  }
}

resource "azurerm_virtual_network" "main" {
  name                = "vnet-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  address_space       = [var.address_space]
  tags                = var.tags
}

# Outbound integration of every Flex Consumption app (delegated to Microsoft.App/environments).
resource "azurerm_subnet" "functions" {
  name                            = "snet-functions"
  resource_group_name             = var.resource_group_name
  virtual_network_name            = azurerm_virtual_network.main.name
  address_prefixes                = [cidrsubnet(var.address_space, 8, 1)]
  default_outbound_access_enabled = false

  delegation {
    name = "flex-consumption"
    service_delegation {
      name    = "Microsoft.App/environments"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_subnet" "private_endpoints" {
  name                            = "snet-private-endpoints"
  resource_group_name             = var.resource_group_name
  virtual_network_name            = azurerm_virtual_network.main.name
  address_prefixes                = [cidrsubnet(var.address_space, 8, 2)]
  default_outbound_access_enabled = false
}

# PostgreSQL Flexible Server injected into the network (it has no public endpoint then).
resource "azurerm_subnet" "postgres" {
  name                            = "snet-postgres"
  resource_group_name             = var.resource_group_name
  virtual_network_name            = azurerm_virtual_network.main.name
  address_prefixes                = [cidrsubnet(var.address_space, 8, 3)]
  default_outbound_access_enabled = false

  delegation {
    name = "postgres"
    service_delegation {
      name    = "Microsoft.DBforPostgreSQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

# The apps' only way out (SMTP, Entra ID keys, Service Bus on Standard): a NAT gateway with one fixed address,
# which is also the address to allow-list at an SMTP relay. Subnets have no implicit outbound access.
resource "azurerm_public_ip" "egress" {
  name                = "pip-${var.name}-egress"
  resource_group_name = var.resource_group_name
  location            = var.location
  allocation_method   = "Static"
  sku                 = "Standard"
  zones               = ["1", "2", "3"]
  tags                = var.tags
}

resource "azurerm_nat_gateway" "egress" {
  name                = "ng-${var.name}"
  resource_group_name = var.resource_group_name
  location            = var.location
  sku_name            = "Standard"
  tags                = var.tags
}

resource "azurerm_nat_gateway_public_ip_association" "egress" {
  nat_gateway_id       = azurerm_nat_gateway.egress.id
  public_ip_address_id = azurerm_public_ip.egress.id
}

resource "azurerm_subnet_nat_gateway_association" "functions" {
  subnet_id      = azurerm_subnet.functions.id
  nat_gateway_id = azurerm_nat_gateway.egress.id
}

resource "azurerm_network_security_group" "main" {
  for_each            = toset(["functions", "private-endpoints", "postgres"])
  name                = "nsg-${var.name}-${each.key}"
  resource_group_name = var.resource_group_name
  location            = var.location
  tags                = var.tags
}

resource "azurerm_subnet_network_security_group_association" "main" {
  for_each = {
    functions           = azurerm_subnet.functions.id
    "private-endpoints" = azurerm_subnet.private_endpoints.id
    postgres            = azurerm_subnet.postgres.id
  }
  subnet_id                 = each.value
  network_security_group_id = azurerm_network_security_group.main[each.key].id
}

resource "azurerm_private_dns_zone" "main" {
  for_each            = local.private_dns_zones
  name                = each.value
  resource_group_name = var.resource_group_name
  tags                = var.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "main" {
  for_each              = local.private_dns_zones
  name                  = "link-${each.key}"
  resource_group_name   = var.resource_group_name
  private_dns_zone_name = azurerm_private_dns_zone.main[each.key].name
  virtual_network_id    = azurerm_virtual_network.main.id
  registration_enabled  = false
  tags                  = var.tags
}

output "functions_subnet_id" {
  value = azurerm_subnet.functions.id
}

output "private_endpoint_subnet_id" {
  value = azurerm_subnet.private_endpoints.id
}

output "postgres_subnet_id" {
  value = azurerm_subnet.postgres.id
}

output "private_dns_zone_ids" {
  value = { for key, zone in azurerm_private_dns_zone.main : key => zone.id }
}

output "egress_ip_address" {
  value = azurerm_public_ip.egress.ip_address
}
