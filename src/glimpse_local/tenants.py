"""Tenants: API keys in the deployment's usage plans, administered with boto3's API Gateway client.

A tenant is an API key named for it. It joins the deployment's default usage plan (the stack's
UsagePlanId output), or a plan of its own when created with its own rate, burst or quota; such a
plan serves the same API stages and is tagged with the default plan's id, so the deployment's
tenants are found again. The key's id is the tenant id the router passes to the runners. Its
value is printed once, at creation.
"""

from __future__ import annotations

import datetime
import re
from typing import Literal

from pydantic import BaseModel, Field

TENANT_NAME = re.compile(r"[A-Za-z0-9._-]{1,64}")
DEPLOYMENT_TAG = "glimpse:default-usage-plan"  # on a tenant's own plan: the deployment it belongs to
TENANT_TAG = "glimpse:tenant"
Period = Literal["DAY", "WEEK", "MONTH"]


class TenantError(Exception):
    """A request the deployment cannot fulfil (unknown or duplicate tenant, missing stack output)."""


class PlanLimits(BaseModel):
    rate: float | None = Field(default=None, gt=0, description="steady requests per second")
    burst: int | None = Field(default=None, ge=0)
    quota: int | None = Field(default=None, gt=0, description="requests per period")
    period: Period | None = None

    def given(self) -> bool:
        return any(value is not None for value in self.model_dump().values())


class Tenant(BaseModel):
    name: str
    key_id: str
    enabled: bool
    created: datetime.datetime | None
    plan_id: str
    plan_name: str
    own_plan: bool
    limits: PlanLimits


class UsageDay(BaseModel):
    day: datetime.date
    used: int
    remaining: int


def usage_plan_of_stack(cloudformation, stack_name: str) -> str:
    """The default usage plan's id, from the stack's UsagePlanId output."""
    try:
        (stack,) = cloudformation.describe_stacks(StackName=stack_name)["Stacks"]
    except cloudformation.exceptions.ClientError as error:
        raise TenantError(f"stack {stack_name}: {error.response['Error']['Message']}") from None
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    if "UsagePlanId" not in outputs:
        raise TenantError(f"stack {stack_name} has no UsagePlanId output: is it a Glimpse stack?")
    return outputs["UsagePlanId"]


class Tenants:
    def __init__(self, apigateway, default_plan_id: str) -> None:
        self._apigateway = apigateway
        self._default_plan = apigateway.get_usage_plan(usagePlanId=default_plan_id)

    def create(self, name: str, limits: PlanLimits) -> tuple[Tenant, str]:
        """The new tenant and its key's value (API Gateway shows it now; `show` never does)."""
        if not TENANT_NAME.fullmatch(name):
            raise TenantError(f"tenant name {name!r}: use 1 to 64 letters, digits, '.', '_' or '-'")
        if any(tenant.name == name for tenant in self.list()):
            raise TenantError(f"tenant {name} exists already")
        key = self._apigateway.create_api_key(name=name, enabled=True, description=f"Glimpse tenant {name}",
                                              tags={TENANT_TAG: name})
        try:
            plan = self._own_plan(name, limits) if limits.given() else self._default_plan
            self._apigateway.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"], keyType="API_KEY")
        except Exception:
            self._apigateway.delete_api_key(apiKey=key["id"])  # no key without a plan is left behind
            raise
        return self.show(name), key["value"]

    def list(self) -> list[Tenant]:
        tenants = []
        for plan in self._plans():
            for plan_key in self._paginate("get_usage_plan_keys", usagePlanId=plan["id"]):
                key = self._apigateway.get_api_key(apiKey=plan_key["id"], includeValue=False)
                tenants.append(_tenant(key, plan, own_plan=plan["id"] != self._default_plan["id"]))
        return sorted(tenants, key=lambda tenant: tenant.name)

    def show(self, name: str) -> Tenant:
        for tenant in self.list():
            if tenant.name == name:
                return tenant
        raise TenantError(f"no tenant {name} in usage plan {self._default_plan['id']} or its tenants' plans")

    def revoke(self, name: str) -> Tenant:
        """Disable the tenant's key: API Gateway refuses it from then on (403), and its usage stays readable."""
        tenant = self.show(name)
        self._apigateway.update_api_key(apiKey=tenant.key_id, patchOperations=[{"op": "replace", "path": "/enabled", "value": "false"}])
        return self.show(name)

    def usage(self, name: str, days: int, today: datetime.date | None = None) -> list[UsageDay]:
        """Requests per day over the last `days` days (today included), and what the quota left."""
        tenant = self.show(name)
        end = today or datetime.datetime.now(datetime.UTC).date()
        start = end - datetime.timedelta(days=days - 1)
        answer = self._apigateway.get_usage(usagePlanId=tenant.plan_id, keyId=tenant.key_id,
                                            startDate=start.isoformat(), endDate=end.isoformat())
        counts = answer.get("items", {}).get(tenant.key_id, [])
        return [UsageDay(day=start + datetime.timedelta(days=offset), used=used, remaining=remaining)
                for offset, (used, remaining) in enumerate(counts)]

    def _plans(self) -> list[dict]:
        own = [plan for plan in self._paginate("get_usage_plans")
               if (plan.get("tags") or {}).get(DEPLOYMENT_TAG) == self._default_plan["id"]]
        return [self._default_plan, *own]

    def _own_plan(self, name: str, limits: PlanLimits) -> dict:
        """A plan for this tenant alone: its limits, the default plan's where it gives none."""
        default = self._default_plan
        throttle = {"rateLimit": limits.rate if limits.rate is not None else default.get("throttle", {}).get("rateLimit"),
                    "burstLimit": limits.burst if limits.burst is not None else default.get("throttle", {}).get("burstLimit")}
        quota = {"limit": limits.quota if limits.quota is not None else default.get("quota", {}).get("limit"),
                 "period": limits.period or default.get("quota", {}).get("period")}
        arguments = {
            "name": f"{default['name']}-{name}", "description": f"Glimpse tenant {name}'s own plan",
            "apiStages": [{"apiId": stage["apiId"], "stage": stage["stage"]} for stage in default.get("apiStages", [])],
            "tags": {DEPLOYMENT_TAG: default["id"], TENANT_TAG: name},
        }
        if any(value is not None for value in throttle.values()):
            arguments["throttle"] = {key: value for key, value in throttle.items() if value is not None}
        if quota["limit"] is not None:
            arguments["quota"] = {"limit": quota["limit"], "period": quota["period"] or "DAY"}
        return self._apigateway.create_usage_plan(**arguments)

    def _paginate(self, operation: str, **arguments) -> list[dict]:
        return [item for page in self._apigateway.get_paginator(operation).paginate(**arguments) for item in page.get("items", [])]


def _tenant(key: dict, plan: dict, own_plan: bool) -> Tenant:
    throttle, quota = plan.get("throttle", {}), plan.get("quota", {})
    created = key.get("createdDate")
    return Tenant(
        name=key.get("name") or key["id"], key_id=key["id"], enabled=key.get("enabled", False),
        created=created if isinstance(created, datetime.datetime) or created is None else datetime.datetime.fromtimestamp(created, datetime.UTC),
        plan_id=plan["id"], plan_name=plan.get("name", plan["id"]), own_plan=own_plan,
        limits=PlanLimits(rate=throttle.get("rateLimit"), burst=throttle.get("burstLimit"),
                          quota=quota.get("limit"), period=quota.get("period")),
    )
