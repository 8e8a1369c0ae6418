"""The `aidbridge` command: serve, migrate, load demo data, export the schema."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from api.core.settings import ConfigError, Settings, load_settings

log = logging.getLogger("aidbridge")


def migrate(settings: Settings) -> None:
    from alembic import command

    from api.migrations import alembic_config

    command.upgrade(alembic_config(settings.database_url), "head")


def load_demo(settings: Settings, *, households: int, seed: int) -> bool:
    """Load demo data unless the database already has households; True if loaded."""
    from api.core.db import create_db_engine, unit_of_work
    from api.demo.generate import demo_data_present, generate_demo_data

    engine = create_db_engine(settings.database_url)
    try:
        with unit_of_work(engine) as session:
            if demo_data_present(session):
                return False
            generate_demo_data(
                session, households=households, seed=seed, instance=settings.instance
            )
        return True
    finally:
        engine.dispose()


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    if args.demo:
        migrate(settings)
        if load_demo(settings, households=args.demo_households, seed=1):
            print(f"Loaded demo data ({args.demo_households} households).", file=sys.stderr)
    port = args.port or settings.port
    # The workers load their settings again: a per-process rate-limit store is refused in
    # production with several of them (api/core/settings.py).
    os.environ["WEB_CONCURRENCY"] = str(args.workers)
    if args.workers > 1:
        load_settings()
    ide = "" if settings.is_production else "  (GraphiQL at /graphql)"
    print(f"Aidbridge on http://{args.host}:{port}/{ide}", file=sys.stderr)
    uvicorn.run(
        "api.asgi:app",
        host=args.host,
        port=port,
        workers=args.workers,
        log_level="info",
        proxy_headers=True,
        # uvicorn believes X-Forwarded-For from the same peers as the rate limits do.
        forwarded_allow_ips=list(settings.rate_limits.trusted_proxies),
    )
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="aidbridge", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--demo", action="store_true", help="migrate and load demo data first")
    serve.add_argument("--demo-households", type=int, default=300, help=argparse.SUPPRESS)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $AIDBRIDGE_PORT or 8000")
    serve.add_argument("--workers", type=int, default=1)

    commands.add_parser("migrate", help="apply database migrations up to head")

    demo = commands.add_parser("demo-data", help="generate a deterministic synthetic instance")
    demo.add_argument("--households", type=int, default=300)
    demo.add_argument("--seed", type=int, default=1)
    demo.add_argument("--helpers", type=int, default=None)
    demo.add_argument("--requests", type=int, default=None)

    export = commands.add_parser("export-schema", help="print the GraphQL SDL")
    export.add_argument("--output", type=Path, default=None)

    sweep = commands.add_parser(
        "sweep", help="expire requests past their deadline and lapse overdue pledges"
    )
    sweep.add_argument("--today", type=_iso_date, default=None, help="default: today (UTC)")

    close_campaigns = commands.add_parser(
        "close-campaigns",
        help="close crowdfunding campaigns past their deadline (refund or disburse)",
    )
    close_campaigns.add_argument("--limit", type=int, default=None, help="at most this many")

    i18n = commands.add_parser("i18n", help="manage message catalogs (wraps pybabel)")
    i18n_commands = i18n.add_subparsers(dest="i18n_command", required=True)
    i18n_commands.add_parser("extract", help="write i18n/messages.pot from the code and SDL")
    i18n_commands.add_parser("update", help="bring every catalog in line with the template")
    i18n_commands.add_parser("check", help="fail if catalogs are stale or incomplete")
    export_json = i18n_commands.add_parser(
        "export-json", help="write <locale>.json catalogs for browser code"
    )
    export_json.add_argument("--output", type=Path, required=True)
    for name, text in (
        ("init", "start a catalog for a new locale"),
        ("compile", "compile .po catalogs into .mo files (for images)"),
    ):
        sub = i18n_commands.add_parser(name, help=text)
        sub.add_argument("--directory", type=Path, default=None, help="default: the built-in i18n/")
        if name == "init":
            sub.add_argument("--locale", required=True, help="e.g. de or ha")

    frontend = commands.add_parser("frontend", help="build the donor frontend for a static host")
    frontend_commands = frontend.add_subparsers(dest="frontend_command", required=True)
    build = frontend_commands.add_parser(
        "build", help="copy, fingerprint and gzip frontend/ into a folder any static host serves"
    )
    build.add_argument("--output", type=Path, required=True)
    build.add_argument(
        "--api-url", default="/graphql", help="where the API answers (default: /graphql, same host)"
    )

    operations = commands.add_parser("operations", help="the registered (persisted) operations")
    operations_commands = operations.add_subparsers(dest="operations_command", required=True)
    operations_commands.add_parser(
        "manifest", help="print every registered operation and its SHA-256 (JSON, for clients)"
    )

    admin = commands.add_parser("create-admin", help="create a platform admin account")
    admin.add_argument("--email", required=True)
    admin.add_argument("--name", default="Platform admin")

    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")

    if args.command == "frontend":
        from api.frontend.build import build_site

        written = build_site(api_url=args.api_url).write(args.output)
        print(
            f"Wrote {len(written)} files to {args.output}. Serve *.html and config.js with "
            "'Cache-Control: no-cache', everything else with 'public, max-age=31536000, "
            "immutable', and the Content-Security-Policy in docs/frontend.md.",
            file=sys.stderr,
        )
        return 0
    if args.command == "export-schema":
        from api.schema import schema

        sdl = str(schema) + "\n"
        if args.output:
            args.output.write_text(sdl, encoding="utf-8")
        else:
            sys.stdout.write(sdl)
        return 0

    if args.command == "i18n":
        return _i18n(args)
    if args.command == "operations":
        from api.graphql.persisted import manifest_json

        sys.stdout.write(manifest_json() + "\n")
        return 0

    try:
        settings = load_settings()
    except ConfigError as error:
        print(str(error), file=sys.stderr)
        return 2

    if args.command == "serve":
        return _serve(args, settings)
    if args.command == "migrate":
        migrate(settings)
        return 0
    if args.command == "demo-data":
        return _demo_data(args, settings)
    if args.command == "sweep":
        return _sweep(args, settings)
    if args.command == "close-campaigns":
        return _close_campaigns(args, settings)
    if args.command == "create-admin":
        return _create_admin(args, settings)
    return 1  # pragma: no cover


def _i18n(args: argparse.Namespace) -> int:
    from api.core import catalogs

    if args.i18n_command == "extract":
        catalogs.extract()
    elif args.i18n_command == "update":
        catalogs.update()
    elif args.i18n_command == "init":
        path = catalogs.init(args.locale, args.directory or catalogs.BUILTIN_CATALOG_DIR)
        print(f"Created {path}", file=sys.stderr)
    elif args.i18n_command == "compile":
        catalogs.compile_catalogs(args.directory or catalogs.BUILTIN_CATALOG_DIR)
    elif args.i18n_command == "export-json":
        for path in catalogs.export_json(args.output):
            print(f"Wrote {path}", file=sys.stderr)
    elif args.i18n_command == "check":
        problems = catalogs.check()
        for problem in problems:
            print(problem, file=sys.stderr)
        if problems:
            print(f"{len(problems)} catalog problem(s)", file=sys.stderr)
            return 1
        print("Catalogs are current and complete.", file=sys.stderr)
    return 0


def _demo_data(args: argparse.Namespace, settings: Settings) -> int:
    import time

    from api.core.db import create_db_engine, unit_of_work
    from api.demo.generate import generate_demo_data

    migrate(settings)
    engine = create_db_engine(settings.database_url)
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        summary = generate_demo_data(
            session,
            households=args.households,
            seed=args.seed,
            helpers=args.helpers,
            requests=args.requests,
            instance=settings.instance,
        )
    engine.dispose()
    print(f"{summary} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    return 0


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _sweep(args: argparse.Namespace, settings: Settings) -> int:
    """Run from cron (e.g. hourly); it is idempotent, so extra runs do no harm."""
    from api.core.db import create_db_engine, unit_of_work, utcnow
    from api.pledges.service import sweep

    engine = create_db_engine(settings.database_url)
    try:
        with unit_of_work(engine) as session:
            result = sweep(
                session,
                today=args.today or utcnow().date(),
                grace_days=settings.instance.pledge_grace_days,
            )
    finally:
        engine.dispose()
    print(
        f"{result.expired_requests} request(s) expired, {result.lapsed_pledges} pledge(s) lapsed",
        file=sys.stderr,
    )
    return 0


def _close_campaigns(args: argparse.Namespace, settings: Settings) -> int:
    """Run from a scheduler (e.g. every few minutes); idempotent, and safe next to the
    servers' own closer (api/crowdfunding/closer.py): each campaign is closed by exactly
    one caller."""
    from api.core.db import create_db_engine, unit_of_work, utcnow
    from api.crowdfunding.service import close_due_campaigns

    engine = create_db_engine(settings.database_url)
    try:
        with unit_of_work(engine) as session:
            result = close_due_campaigns(session, now=utcnow(), settings=settings, limit=args.limit)
    finally:
        engine.dispose()
    print(
        f"{len(result.disbursed)} campaign(s) disbursed, {len(result.refunded)} refunded",
        file=sys.stderr,
    )
    return 0


def _create_admin(args: argparse.Namespace, settings: Settings) -> int:
    import getpass

    from api.accounts.service import create_staff_account
    from api.core.auth import Principal
    from api.core.db import create_db_engine, unit_of_work
    from api.core.errors import ServiceError, ServiceErrors
    from api.core.roles import Role

    password = os.environ.get("AIDBRIDGE_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    engine = create_db_engine(settings.database_url)
    try:
        with unit_of_work(engine) as session:
            create_staff_account(
                session,
                actor=Principal(role=Role.PLATFORM_ADMIN),
                email=args.email,
                password=password,
                display_name=args.name,
                role=Role.PLATFORM_ADMIN,
            )
    except (ServiceError, ServiceErrors) as error:
        print(f"Could not create the admin: {error}", file=sys.stderr)
        return 2
    finally:
        engine.dispose()
    print(f"Created platform admin {args.email}", file=sys.stderr)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
