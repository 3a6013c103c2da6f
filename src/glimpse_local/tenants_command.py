"""`glimpse tenants create|list|show|revoke|usage`: the command line of glimpse_local.tenants."""

from __future__ import annotations

import argparse
import json
import os
import sys

from pydantic import ValidationError

from glimpse_local.tenants import PlanLimits, Tenant, TenantError, Tenants, usage_plan_of_stack

DEFAULT_STACK = "glimpse"  # samconfig.toml's stack_name


def add_tenant_commands(commands: argparse._SubParsersAction) -> None:
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument("--stack", default=os.environ.get("GLIMPSE_STACK", DEFAULT_STACK),
                       help=f"the deployed stack, whose UsagePlanId output is the default plan (default: $GLIMPSE_STACK or {DEFAULT_STACK})")
    where.add_argument("--usage-plan", help="the default usage plan's id, instead of reading it from the stack")
    where.add_argument("--region", help="the AWS region (default: boto3's, from AWS_REGION or the profile)")
    tenants = commands.add_parser("tenants", help="administer tenants: API keys and their usage plans")
    actions = tenants.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", parents=[where], help="create a tenant and print its API key, once")
    create.add_argument("name")
    create.add_argument("--rate", type=float, help="requests per second (a plan of its own; default: the default plan's)")
    create.add_argument("--burst", type=int, help="burst of requests (a plan of its own)")
    create.add_argument("--quota", type=int, help="requests per period (a plan of its own)")
    create.add_argument("--period", choices=["DAY", "WEEK", "MONTH"], help="the quota's period (a plan of its own)")
    listing = actions.add_parser("list", parents=[where], help="every tenant of the deployment")
    listing.add_argument("--json", action="store_true")
    for name, text in (("show", "one tenant"), ("revoke", "disable a tenant's key (API Gateway refuses it from then on)")):
        action = actions.add_parser(name, parents=[where], help=text)
        action.add_argument("name")
        action.add_argument("--json", action="store_true")
    usage = actions.add_parser("usage", parents=[where], help="a tenant's requests per day")
    usage.add_argument("name")
    usage.add_argument("--days", type=int, default=7, help="how many days back, today included (default 7)")
    usage.add_argument("--json", action="store_true")
    tenants.set_defaults(handler=run_tenants)


def run_tenants(options: argparse.Namespace) -> int:
    import boto3  # only this command talks to AWS

    try:
        plan_id = options.usage_plan or usage_plan_of_stack(boto3.client("cloudformation", region_name=options.region), options.stack)
        tenants = Tenants(boto3.client("apigateway", region_name=options.region), plan_id)
        if options.action == "create":
            limits = PlanLimits(rate=options.rate, burst=options.burst, quota=options.quota, period=options.period)
            tenant, key = tenants.create(options.name, limits)
            _print_tenant(tenant)
            print(f"x-api-key: {key}")
            print("This is the only time the key is shown: give it to the tenant now.", file=sys.stderr)
        elif options.action == "list":
            found = tenants.list()
            if options.json:
                print(json.dumps([tenant.model_dump(mode="json") for tenant in found], indent=2))
            else:
                for tenant in found:
                    print(f"{tenant.name}\t{tenant.key_id}\t{'enabled' if tenant.enabled else 'revoked'}\t{_limits(tenant)}")
        elif options.action == "usage":
            days = tenants.usage(options.name, options.days)
            if options.json:
                print(json.dumps([day.model_dump(mode="json") for day in days], indent=2))
            else:
                for day in days:
                    print(f"{day.day}\t{day.used} requests\t{day.remaining} left in the quota")
        else:
            tenant = tenants.show(options.name) if options.action == "show" else tenants.revoke(options.name)
            if options.json:
                print(tenant.model_dump_json(indent=2))
            else:
                _print_tenant(tenant)
    except (TenantError, ValidationError) as error:
        print(f"glimpse: {error}", file=sys.stderr)
        return 2
    return 0


def _limits(tenant: Tenant) -> str:
    limits = tenant.limits
    quota = f"{limits.quota} per {limits.period}" if limits.quota else "no quota"
    return f"plan {tenant.plan_name}: {limits.rate} requests/s, burst {limits.burst}, {quota}"


def _print_tenant(tenant: Tenant) -> None:
    print(f"tenant {tenant.name}: key id {tenant.key_id} ({'enabled' if tenant.enabled else 'revoked'})")
    print(f"  {_limits(tenant)}{' (its own)' if tenant.own_plan else ''}")
