"""The Terraform in infra/ holds to the code and to the platform's security rules.

These tests parse the .tf files (no terraform init, no provider download) so they run offline, on every
`make test`. They tie the infrastructure to the code in both directions: a new capability, HTTP route or
event consumer that the infrastructure does not know about fails here, not in production.
"""

from __future__ import annotations

import collections
import importlib
import json
import re
from typing import Any

import azure.functions as func
import pytest

from shared import audit_log
from shared.settings import ALL_CAPABILITIES, Settings
from tests.infra.terraform import (
    ENVIRONMENTS,
    INFRA,
    ROOT,
    module_call,
    module_locals,
    module_outputs,
    parse,
    resolve_local,
    resources,
    root_variables,
    tf_files,
    tfvars,
)

pytestmark = pytest.mark.unit

PLATFORM = "platform"


def _first_segments(capability: str) -> set[str]:
    """First path segments under /api of the HTTP triggers one blueprint registers."""
    app = func.FunctionApp()
    app.register_functions(importlib.import_module(f"functions.{capability}").bp)
    segments = set()
    for function in app.get_functions():
        route = getattr(function.get_trigger(), "route", None)
        if route:
            segments.add(route.split("/")[0])
    return segments


def _groups(environment: str) -> dict[str, dict[str, Any]]:
    groups: dict[str, dict[str, Any]] = tfvars(environment)["capability_groups"]
    return groups


# -- the infrastructure knows every capability, route and consumer of the code --------------------------


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_groups_cover_every_capability_exactly_once(environment: str) -> None:
    counts = collections.Counter(
        capability for group in _groups(environment).values() for capability in group["capabilities"]
    )
    twice = sorted(name for name, count in counts.items() if count > 1)
    assert twice == [], f"capabilities in more than one group of {environment}.tfvars: {twice}"
    missing = sorted(set(ALL_CAPABILITIES) - set(counts))
    assert missing == [], f"capabilities in no group of {environment}.tfvars (add them to capability_groups): {missing}"
    unknown = sorted(set(counts) - set(ALL_CAPABILITIES))
    assert unknown == [], f"groups of {environment}.tfvars name capabilities the code does not have: {unknown}"


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_event_subscriptions_equal_the_registered_consumers(environment: str) -> None:
    importlib.import_module("function_app")  # AURA_CAPABILITIES=all (tests/conftest.py): registers every consumer
    from shared.bus.consumer import SUBSCRIPTION_FILTERS

    declared = {name: set(types) for name, types in tfvars(environment)["event_subscriptions"].items()}
    registered = {name: set(types) for name, types in SUBSCRIPTION_FILTERS.items()}
    assert declared == registered


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_http_route_is_routed_to_the_app_that_serves_it(environment: str) -> None:
    groups = _groups(environment)
    default_group = root_variables()["default_api_group"]["default"]
    assert default_group in groups, f"default_api_group {default_group!r} is not a group of {environment}.tfvars"

    owner: dict[str, str] = {}
    for group, spec in groups.items():
        for prefix in spec.get("route_prefixes", []):
            assert prefix not in owner, f"route prefix {prefix!r} is claimed by {owner[prefix]} and {group}"
            owner[prefix] = group

    for group, spec in groups.items():
        for capability in spec["capabilities"]:
            for segment in _first_segments(capability):
                assert owner.get(segment) == group, (
                    f"/api/{segment}/... is served by {capability} in group {group}, but API Management sends it "
                    f"to {owner.get(segment, default_group)}: add {segment!r} to route_prefixes of {group}"
                )
    for segment in _first_segments(PLATFORM):
        assert segment not in owner, f"/api/{segment} is a platform endpoint; it must stay on the default group"


def test_queue_and_topic_names_are_the_ones_the_code_uses() -> None:
    defaults = Settings()
    # Locally one app runs every capability on the code's default queue; in Azure each app's queue adds its group.
    assert root_variables()["jobs_queue_prefix"]["default"] == defaults.jobs_queue
    topics = [body["name"] for _, _, _, body in resources("azurerm_servicebus_topic")]
    assert topics == [defaults.events_topic]


# -- Service Bus -----------------------------------------------------------------------------------------

# A capability queues its own jobs (the blueprint that creates a job also has its handler), so each Function App
# has its own jobs queue: the app's AURA_JOBS_QUEUE, the only queue its jobs_worker listens on and the only queue
# its identity may use. A shared queue would hand an app jobs whose handler lives in another app.


def _jobs_queue_names(environment: str) -> dict[str, str]:
    """group -> jobs queue name, evaluated from the servicebus module as the root calls it with <env>.tfvars."""
    queues = [(name, body) for _, _, name, body in resources("azurerm_servicebus_queue")]
    assert [name for name, _ in queues] == ["jobs"], "the only queues are the per-app jobs queues"
    body = queues[0][1]
    assert body["for_each"] == "${var.capability_groups}"
    assert body["name"] == "${var.jobs_queue_prefix}-${each.key}"
    call = module_call("servicebus")
    assert call["capability_groups"] == "${toset(keys(var.capability_groups))}"
    assert call["jobs_queue_prefix"] == "${var.jobs_queue_prefix}"
    prefix = tfvars(environment).get("jobs_queue_prefix", root_variables()["jobs_queue_prefix"]["default"])
    return {group: f"{prefix}-{group}" for group in _groups(environment)}


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_one_jobs_queue_per_group_named_jobs_dash_group(environment: str) -> None:
    queues = _jobs_queue_names(environment)
    assert queues == {group: f"jobs-{group}" for group in _groups(environment)}
    assert len(set(queues.values())) == len(queues)
    # One app per group, from the same map: every app has a queue and every queue an app.
    assert module_call("function_app")["for_each"] == "${var.capability_groups}"
    outputs = module_outputs("servicebus")
    assert outputs["jobs_queue_names"] == "${{for group, queue in azurerm_servicebus_queue.jobs : group => queue.name}}"
    assert outputs["jobs_queue_ids"] == "${{for group, queue in azurerm_servicebus_queue.jobs : group => queue.id}}"
    assert module_outputs("")["jobs_queues"] == "${module.servicebus.jobs_queue_names}"


def test_each_app_listens_on_its_own_jobs_queue() -> None:
    assert "AURA_JOBS_QUEUE" not in module_locals("")["common_app_settings"], "a shared AURA_JOBS_QUEUE"
    assert module_locals("function_app")["app_settings"]["AURA_JOBS_QUEUE"] == "${var.jobs_queue_name}"
    apps = [body for _, _, _, body in resources("azurerm_function_app_flex_consumption")]
    assert [app["app_settings"] for app in apps] == ["${merge(var.app_settings, local.app_settings)}"]
    assert module_call("function_app")["jobs_queue_name"] == "${module.servicebus.jobs_queue_names[each.key]}"


def test_each_app_may_use_only_its_own_jobs_queue() -> None:
    assert module_call("function_app")["jobs_queue_id"] == "${module.servicebus.jobs_queue_ids[each.key]}"
    roles = module_locals("function_app")["role_assignments"]
    service_bus = {name: spec for name, spec in roles.items() if spec["role"].startswith("Azure Service Bus")}
    on_queue = {name: spec["role"] for name, spec in service_bus.items() if spec["scope"] == "${var.jobs_queue_id}"}
    assert on_queue == {
        "jobs_sender": "Azure Service Bus Data Sender",
        "jobs_receiver": "Azure Service Bus Data Receiver",
    }
    # Every other Service Bus right is on the topic, never on the namespace (which would reach every queue).
    assert all(
        spec["scope"] == "${var.servicebus_topic_id}" for name, spec in service_bus.items() if name not in on_queue
    )
    # The openai module's one assignment is on the OpenAI account alone (tests/unit/assistant/test_openai_infra.py).
    assignments = [
        (path, body) for path, _, _, body in resources("azurerm_role_assignment") if path.parent.name != "openai"
    ]
    assert [path.parent.name for path, _ in assignments] == ["function_app"]
    assert assignments[0][1]["for_each"] == "${local.role_assignments}"


def test_every_queue_and_subscription_dead_letters_after_ten_deliveries() -> None:
    found = 0
    for kind in ("azurerm_servicebus_queue", "azurerm_servicebus_subscription"):
        for path, _, name, body in resources(kind):
            found += 1
            where = f"{kind}.{name} in {path.relative_to(ROOT)}"
            assert resolve_local(body.get("max_delivery_count"), "servicebus") == 10, where
            assert body.get("dead_lettering_on_message_expiration") is True, where
    assert found >= 2


def test_queue_and_topic_detect_duplicates() -> None:
    bodies = [
        body for kind in ("azurerm_servicebus_queue", "azurerm_servicebus_topic") for _, _, _, body in resources(kind)
    ]
    assert bodies
    assert all(body.get("requires_duplicate_detection") is True for body in bodies)


def test_subscriptions_filter_on_the_message_subject() -> None:
    rules = [body for _, _, _, body in resources("azurerm_servicebus_subscription_rule")]
    assert rules, "each subscription needs a filter rule"
    for rule in rules:
        assert rule["filter_type"] == "SqlFilter"
        # shared.bus.transport sets the event type as the message subject, which SQL filters call sys.Label.
        assert rule["sql_filter"].startswith("sys.Label IN (")


def test_service_bus_local_auth_is_disabled() -> None:
    namespaces = [body for _, _, _, body in resources("azurerm_servicebus_namespace")]
    assert namespaces
    assert all(body.get("local_auth_enabled") is False for body in namespaces)


# -- Storage ---------------------------------------------------------------------------------------------


def test_storage_accounts_disable_shared_keys() -> None:
    accounts = list(resources("azurerm_storage_account"))
    assert len(accounts) == 2
    for _, _, name, body in accounts:
        assert body.get("shared_access_key_enabled") is False, name
        assert body.get("allow_nested_items_to_be_public") is False, name
        assert body.get("default_to_oauth_authentication") is True, name


def test_reports_and_audit_anchor_containers_are_write_once() -> None:
    data = next(body for _, _, name, body in resources("azurerm_storage_account") if name == "data")
    assert data["blob_properties"][0]["versioning_enabled"] is True
    assert data["immutability_policy"], "version-level immutability must be enabled when the account is created"
    containers = next(body for _, _, name, body in resources("azurerm_storage_container") if name == "data")
    names = resolve_local(containers["for_each"], "storage")  # '${toset(["uploads", ...])}'
    assert set(re.findall(r'"([a-z-]+)"', names)) == {"uploads", "evidence", "reports", "audit-anchors"}
    assert audit_log.ANCHOR_CONTAINER == "audit-anchors", "the anchor job writes to the container Terraform locks"
    policies = {name: body for _, _, name, body in resources("azurerm_storage_container_immutability_policy")}
    assert set(policies) == {"reports", "audit_anchors"}
    for name, container in (("reports", "reports"), ("audit_anchors", "audit-anchors")):
        policy = policies[name]
        assert f'azurerm_storage_container.data["{container}"]' in policy["storage_container_resource_manager_id"]
        # One retention and one lock for everything the audit relies on staying as written.
        assert policy["immutability_period_in_days"] == "${var.reports_retention_days}", name
        assert policy["locked"] == "${var.reports_immutability_locked}", name
        assert policy["protected_append_writes_enabled"] is False, name
        assert policy["protected_append_writes_all_enabled"] is False, name
    assert tfvars("prod")["reports_immutability_locked"] is True


def test_cross_origin_access_to_client_data_is_upload_only_and_from_named_origins() -> None:
    """Browsers may only PUT through the API's create-only links, and only from the portals' exact origins."""
    for _, _, name, body in resources("azurerm_storage_account"):
        rules = body["blob_properties"][0].get("dynamic", [])
        cors = [rule["cors_rule"] for rule in rules if "cors_rule" in rule]
        if name == "runtime":
            assert cors == []
            continue
        assert len(cors) == 1
        content = cors[0]["content"][0]
        assert content["allowed_methods"] == ["PUT"]
        assert content["allowed_origins"] == "${var.upload_cors_origins}"
    validation = root_variables()["upload_cors_origins"]["validation"][0]["condition"]
    assert "https://" in validation


# -- identities, settings and secrets --------------------------------------------------------------------


def test_every_function_app_has_a_system_assigned_identity_and_uses_it_for_storage() -> None:
    apps = [
        (name, body)
        for _, kind, name, body in resources()
        if kind.startswith("azurerm_") and "function_app" in kind and "slot" not in kind
    ]
    assert apps
    for name, body in apps:
        assert "SystemAssigned" in body["identity"][0]["type"], name
        assert body.get("storage_authentication_type") == "SystemAssignedIdentity", name
        assert body.get("runtime_name") == "python" and body.get("runtime_version") == "3.11", name
        assert body.get("https_only") is True, name
        for keyed in ("storage_access_key", "function_app_storage_account_access_key"):
            assert keyed not in body, name


def _app_settings() -> dict[str, Any]:
    """What every Function App gets: the root's common settings plus the per-app ones of the module."""
    return {**module_locals("")["common_app_settings"], **module_locals("function_app")["app_settings"]}


def test_app_settings_are_the_settings_the_code_reads() -> None:
    example = set(json.loads((ROOT / "local.settings.example.json").read_text())["Values"])
    settings = _app_settings()
    identity_based = {"AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential"}
    assert set(settings) - example - identity_based == set()
    # Set by the platform or deliberately left to Key Vault / the code's defaults:
    assert "AzureWebJobsStorage" not in settings  # a connection string; the __accountName form replaces it
    assert "AURA_STORAGE_CONNECTION_STRING" not in settings
    assert "AURA_SMTP_PASSWORD" not in settings  # read from Key Vault through AURA_KEY_VAULT_URL


def test_azure_settings_choose_the_identity_based_paths() -> None:
    settings = _app_settings()
    assert settings["AURA_BUS_TRANSPORT"] == "servicebus"
    assert settings["ServiceBusConnection__fullyQualifiedNamespace"].startswith("${module.servicebus.")
    assert settings["AURA_STORAGE_BACKEND"] == "azure"
    assert settings["AURA_STORAGE_ACCOUNT_URL"].startswith("${module.storage.")
    assert settings["AURA_DB_ENTRA_AUTH"] == "true"
    assert settings["DATABASE_URL"].startswith("postgresql+psycopg://${urlencode(var.name)}@")
    assert settings["AzureWebJobsStorage__credential"] == "managedidentity"
    assert settings["AURA_JWT_SECRET"].startswith("@Microsoft.KeyVault(SecretUri=")


# -- Flex Consumption: instance sizes and the app settings the plan does not take ------------------------------

# The instance sizes of Flex Consumption, in MB, with 0.25, 1 and 2 vCPUs (Microsoft Learn, "Azure Functions Flex
# Consumption plan hosting", Instance sizes).
FLEX_INSTANCE_SIZES_MB = (512, 2048, 4096)

# Microsoft Learn, "App settings reference for Azure Functions", Flex Consumption plan deprecations: each is "not
# valid" there or replaced by a property of the app (functionAppConfig). FUNCTIONS_WORKER_PROCESS_COUNT is among the
# "not valid": the plan runs one Python worker per instance, on that instance's vCPUs, and scales by instances.
FLEX_DEPRECATED_APP_SETTINGS = {
    "ENABLE_ORYX_BUILD",
    "FUNCTIONS_EXTENSION_VERSION",
    "FUNCTIONS_MAX_HTTP_CONCURRENCY",
    "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
    "FUNCTIONS_WORKER_PROCESS_COUNT",
    "FUNCTIONS_WORKER_RUNTIME",
    "FUNCTIONS_WORKER_RUNTIME_VERSION",
    "SCM_DO_BUILD_DURING_DEPLOYMENT",
    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
    "WEBSITE_CONTENTOVERVNET",
    "WEBSITE_CONTENTSHARE",
    "WEBSITE_DNS_SERVER",
    "WEBSITE_MAX_DYNAMIC_APPLICATION_SCALE_OUT",
    "WEBSITE_NODE_DEFAULT_VERSION",
    "WEBSITE_RUN_FROM_PACKAGE",
    "WEBSITE_SKIP_CONTENTSHARE_VALIDATION",
    "WEBSITE_VNET_ROUTE_ALL",
}


def test_apps_give_flex_consumption_no_setting_it_does_not_take() -> None:
    """FUNCTIONS_WORKER_PROCESS_COUNT above all: shared/auth/passwords.py divides the cores by it, and on Flex
    Consumption it is not valid. On a plan that honours it (Elastic Premium, Dedicated) it should be the
    instance's vCPU count, so moving the apps off FC1 fails here first."""
    kinds = sorted({kind for _, kind, _, _ in resources() if kind.startswith("azurerm_") and "function_app" in kind})
    plans = [body["sku_name"] for _, _, _, body in resources("azurerm_service_plan")]
    assert (kinds, plans) == (["azurerm_function_app_flex_consumption"], ["FC1"]), (
        "a Function App off Flex Consumption: give it FUNCTIONS_WORKER_PROCESS_COUNT = its instance's vCPU count "
        "(infra/README.md), then change this test"
    )
    # What _app_settings() merges is all an app gets.
    assert module_call("function_app")["app_settings"] == "${local.common_app_settings}"
    refused = sorted(name for name in _app_settings() if name.upper() in FLEX_DEPRECATED_APP_SETTINGS)
    assert refused == [], f"Flex Consumption does not take these app settings: {refused}"


def _instance_memory_default() -> int:
    declared = root_variables()["capability_groups"]["type"]
    match = re.search(r"instance_memory_mb = optional\(number, (\d+)\)", declared)
    assert match, declared
    return int(match.group(1))


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_every_app_runs_on_a_flex_consumption_instance_size(environment: str) -> None:
    default = _instance_memory_default()
    sizes = {group: spec.get("instance_memory_mb", default) for group, spec in _groups(environment).items()}
    assert {group: size for group, size in sizes.items() if size not in FLEX_INSTANCE_SIZES_MB} == {}
    # variables.tf refuses any other size at plan time, with the same list.
    conditions = [rule["condition"] for rule in root_variables()["capability_groups"]["validation"]]
    on_size = [condition for condition in conditions if "instance_memory_mb" in condition]
    assert len(on_size) == 1, conditions
    allowed = re.search(r"contains\(\[([0-9, ]+)\], group\.instance_memory_mb\)", on_size[0])
    assert allowed, on_size[0]
    assert tuple(int(size) for size in allowed.group(1).split(",")) == FLEX_INSTANCE_SIZES_MB


_SECRET_NAME = re.compile(r"SECRET|PASSWORD|CONNECTION_STRING|KEY$|TOKEN", re.IGNORECASE)
_KEYED_CONNECTION = re.compile(r"AccountKey=|SharedAccessKey=|SharedAccessSignature=|[?&]sig=|password=", re.IGNORECASE)


def test_no_app_setting_holds_a_literal_secret_or_a_keyed_connection_string() -> None:
    for name, value in _app_settings().items():
        assert not _KEYED_CONNECTION.search(str(value)), name
        if _SECRET_NAME.search(name):
            assert str(value).startswith("@Microsoft.KeyVault(") or value == "", (
                f"{name} must be a Key Vault reference, not {value!r}"
            )


def test_no_terraform_file_reads_an_access_key_or_keyed_connection_string() -> None:
    forbidden = re.compile(
        r"primary_access_key|secondary_access_key|primary_connection_string|default_primary_connection_string"
        r"|AccountKey=|SharedAccessKey=|administrator_password"
    )
    for path in tf_files():
        text = path.read_text()
        assert not forbidden.search(text), f"{path.relative_to(ROOT)} uses a key or password"


def test_postgres_accepts_entra_id_only() -> None:
    servers = [body for _, _, _, body in resources("azurerm_postgresql_flexible_server")]
    assert len(servers) == 1
    authentication = servers[0]["authentication"][0]
    assert authentication["active_directory_auth_enabled"] is True
    assert authentication["password_auth_enabled"] is False


def test_key_vault_uses_rbac_and_purge_protection() -> None:
    vaults = [body for _, _, _, body in resources("azurerm_key_vault")]
    assert len(vaults) == 1
    assert vaults[0]["rbac_authorization_enabled"] is True
    assert vaults[0]["purge_protection_enabled"] is True


def test_application_insights_is_workspace_based() -> None:
    components = [body for _, _, _, body in resources("azurerm_application_insights")]
    assert components and all(body.get("workspace_id") for body in components)


def test_application_insights_refuses_the_instrumentation_key_alone() -> None:
    components = [body for _, _, _, body in resources("azurerm_application_insights")]
    assert components
    assert all(body.get("local_authentication_disabled") is True for body in components)


def test_apps_get_exactly_the_data_roles_they_need() -> None:
    roles = {name: spec["role"] for name, spec in module_locals("function_app")["role_assignments"].items()}
    assert sorted(roles.values()) == sorted(
        [
            "Azure Service Bus Data Sender",
            "Azure Service Bus Data Sender",
            "Azure Service Bus Data Receiver",
            "Azure Service Bus Data Receiver",
            "Storage Blob Data Contributor",
            "Storage Blob Data Owner",
            "Key Vault Secrets User",
            "Monitoring Metrics Publisher",
        ]
    )
    publishers = [
        spec
        for spec in module_locals("function_app")["role_assignments"].values()
        if spec["role"] == "Monitoring Metrics Publisher"
    ]
    assert [spec["scope"] for spec in publishers] == ["${var.application_insights_id}"]
    for _, _, _, body in resources("azurerm_role_assignment"):
        assert body["role_definition_name"] not in ("Owner", "Contributor", "User Access Administrator")


# -- API Management -----------------------------------------------------------------------------------------


def test_api_management_limits_each_caller_to_120_requests_a_minute() -> None:
    variables = root_variables()
    assert variables["api_rate_limit_calls"]["default"] == 120
    assert variables["api_rate_limit_period_seconds"]["default"] == 60
    policy = (INFRA / "modules" / "apim" / "policy.xml.tftpl").read_text()
    assert '<rate-limit-by-key calls="${calls}" renewal-period="${period}"' in policy
    assert '<rate-limit calls="${calls}" renewal-period="${period}" />' in policy  # the Consumption tier's form
    assert 'max-size="${max_request_bytes}"' in policy
    assert "set-backend-service" in policy


def test_api_management_lets_files_through_only_on_the_raw_body_routes() -> None:
    """The gateway allows a file-sized body (100 MB) exactly where the app takes a file as the raw body or
    a large JSON body (the amounts of a Benford analysis), and the 1 MiB limit and content validation
    everywhere else."""
    import re

    from shared.http.endpoint import DEFAULT_MAX_BODY, ENDPOINTS

    importlib.import_module("function_app")  # every capability's endpoints
    pattern = re.compile(module_locals("apim")["upload_routes"])
    assert root_variables()["api_max_upload_bytes"]["default"] == 100 * 1024 * 1024
    takes_files: dict[str, bool] = {}  # path -> whether any method on it takes a file as the body
    for spec in ENDPOINTS.values():
        concrete = "/api/" + re.sub(r"\{[^}]+\}", "0f8fad5b-d9cb-469f-a165-70867728950e", spec.route)
        large = bool(spec.raw_body_types) or spec.max_body > DEFAULT_MAX_BODY
        takes_files[concrete] = takes_files.get(concrete, False) or large
    assert any(takes_files.values())
    for path, files in takes_files.items():
        assert bool(pattern.match(path)) is files, path
    policy = (INFRA / "modules" / "apim" / "policy.xml.tftpl").read_text()
    assert "${max_upload_bytes} : ${max_request_bytes}" in policy
    assert "${upload_routes}" in policy


def test_the_portal_is_a_static_web_app_with_api_management_as_its_same_origin_backend() -> None:
    """The browser reaches the API at the portal's own origin under /api: no CORS, and the session cookie
    (SameSite=Strict) stays first-party. Linking a backend needs the Standard plan."""
    call = module_call("portal")
    assert call["source"] == "./modules/static_web_app"
    assert call["sku"] == "Standard"
    assert call["api_management_id"] == "${module.apim[0].id}"
    [(_, _, _, app)] = list(resources("azurerm_static_web_app"))
    assert app["preview_environments_enabled"] is False
    [(_, _, _, link)] = list(resources("azapi_resource"))
    assert link["type"].startswith("Microsoft.Web/staticSites/linkedBackends@")
    assert link["body"]["properties"]["backendResourceId"] == "${var.api_management_id}"
    assert module_outputs("apim")["gateway_url"].endswith("/api"), (
        "the API is served under /api, as the portal calls it"
    )
    token = parse(INFRA / "outputs.tf")["output"]
    [deploy] = [block["portal_deployment_token"] for block in token if "portal_deployment_token" in block]
    assert deploy["sensitive"] is True


def test_links_in_emails_open_the_portal() -> None:
    """Invitation and password-reset links go to the portal's pages (/accept-invitation, /reset-password)."""
    base = module_locals("")["public_base_url"]
    assert "module.portal[0].default_host_name" in base
    assert "azure-api.net" not in base
    portal_routes = (ROOT / "portal" / "src" / "App.tsx").read_text()
    assert "path: '/accept-invitation'" in portal_routes and "path: '/reset-password'" in portal_routes


def test_the_portal_is_served_with_a_strict_content_security_policy() -> None:
    config = json.loads((ROOT / "portal" / "public" / "staticwebapp.config.json").read_text())
    csp = dict(
        (directive.split(" ", 1) + [""])[:2]
        for directive in config["globalHeaders"]["Content-Security-Policy"].split("; ")
    )
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'", "no inline or remote script"
    assert csp["connect-src"] == "'self'", "the portal talks only to its own origin's /api"
    assert csp["frame-ancestors"] == "'none'"
    assert csp["frame-src"] == "'self' blob:", "the report's PDF preview frames only a blob the page made itself"
    assert csp["object-src"] == "'none'"
    assert config["globalHeaders"]["X-Content-Type-Options"] == "nosniff"
    assert "/api/*" in config["navigationFallback"]["exclude"]


def test_prod_is_private() -> None:
    prod = tfvars("prod")
    assert prod["private_networking"] is True
    assert prod["servicebus_sku"] == "Premium"  # private endpoints for Service Bus need Premium


def test_every_tf_file_parses() -> None:
    for path in tf_files():
        assert isinstance(parse(path), dict), path
