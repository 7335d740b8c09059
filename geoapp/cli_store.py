"""The store's sub-commands: init-db, dump, user, token, record-status and review.

Every change goes through the same store functions as the web pages and the API, named after
the user it is done as, and lands in the audit trail. Errors say what to fix; exit status 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from geoapp.config import load_config

CLI = "cli"


def _store(args: argparse.Namespace, ensure: bool = True):
    from geoapp.store import open_store

    overrides = {"DATA_DIR": args.data} if getattr(args, "data", None) else {}
    return open_store(load_config(args.config, overrides=overrides), ensure=ensure)


def _run(func):
    """Run a command body; a store error becomes one 'error:' line and exit status 1."""
    from geoapp.store import StoreError

    def wrapped(args: argparse.Namespace) -> int:
        try:
            return func(args) or 0
        except StoreError as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
        except ValueError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"error: {exc.filename}: {exc.strerror}", file=sys.stderr)
            return 1

    wrapped.__doc__ = func.__doc__
    return wrapped


def _acting(args: argparse.Namespace, action: str):
    """(the store, the active user ``--user`` names), if that user may do ``action``."""
    from geoapp.store.accounts import active_user, require

    store = _store(args)
    user = active_user(store, args.user)
    require(user, action)
    return store, user


def _password(args: argparse.Namespace) -> str | None:
    if not args.password_stdin:
        return None
    return sys.stdin.readline().rstrip("\r\n")


@_run
def cmd_init_db(args: argparse.Namespace) -> int:
    """Create the store and fill it from the data directory's seed files (if it is empty)."""
    from geoapp.catalog import validate

    cfg = load_config(args.config, overrides={"DATA_DIR": args.data} if args.data else {})
    _, problems = validate(Path(cfg["DATA_DIR"]), Path(args.layers or cfg["LAYERS_DIR"]))
    if problems:
        from geoapp.cli import print_problems

        print_problems(problems)
        print("the seed data does not validate: nothing was stored", file=sys.stderr)
        return 1
    store = _store(args, ensure=False)
    seeded = store.ensure()
    where = store.backend.describe()
    print(
        f"{'seeded' if seeded else 'already initialised'}: {where} (data version {store.data_version()})"
    )
    return 0


@_run
def cmd_dump(args: argparse.Namespace) -> int:
    """Write the store back as seed files (GeoJSON layers and the registry CSVs) under DIR."""
    written = _store(args).dump(Path(args.dir))
    print(f"wrote {len(written)} files to {args.dir}")
    return 0


@_run
def cmd_user(args: argparse.Namespace) -> int:
    """user add|list|disable|set-password|set-role."""
    from geoapp.store import accounts

    store = _store(args)
    if args.action == "list":
        for u in accounts.list_users(store):
            print(f"{u.name}\t{u.role}\t{u.department}\t{'disabled' if u.disabled else 'active'}")
        return 0
    if args.action == "add":
        accounts.add_user(
            store, args.name, args.role or "viewer", args.department or "", _password(args), CLI
        )
    elif args.action == "disable":
        accounts.disable_user(store, args.name, CLI)
    elif args.action == "set-role":
        accounts.set_role(store, args.name, args.role or "", CLI)
    elif args.action == "set-password":
        password = _password(args)
        if password is None:
            print("error: give the new password on stdin with --password-stdin", file=sys.stderr)
            return 1
        accounts.set_password(store, args.name, password, CLI)
    print(f"{args.action}: {args.name}")
    return 0


@_run
def cmd_token(args: argparse.Namespace) -> int:
    """token create NAME (prints the token once) | token revoke TOKEN_ID."""
    from geoapp.store import accounts

    store = _store(args)
    if args.action == "create":
        token_id, token = accounts.create_token(store, args.name, CLI)
        print(token)
        print(f"token id {token_id} (for `geoapp token revoke {token_id}`)", file=sys.stderr)
    else:
        print(f"revoked token {args.name} of {accounts.revoke_token(store, args.name, CLI)}")
    return 0


@_run
def cmd_record_status(args: argparse.Namespace) -> int:
    """Propose a status update as a named planner (pending until a reviewer approves it)."""
    from geoapp.store import Invalid
    from geoapp.store.records import propose

    store, user = _acting(args, "propose")
    fields = {
        "project_id": args.project, "status": args.status, "date": args.date, "kind": args.kind,
        "source_title": args.source, "source_publisher": args.publisher or user.department,
        "source_date": args.source_date or args.date, "source_url": args.url or "",
        "quote": args.quote or "", "note": args.note or "",
    }  # fmt: skip
    files = {}
    if args.file:
        files["attachment"] = (Path(args.file).name, Path(args.file).read_bytes())
    try:
        update = propose(store, user, fields, "cli", files)
    except Invalid as exc:
        for field, message in exc.errors.items():
            print(f"error: project '{args.project}': {field}: {message}", file=sys.stderr)
        print("nothing was written", file=sys.stderr)
        return 1
    print(
        f"recorded {update['update_id']} ({args.project} {args.status} on {args.date}): pending review"
    )
    return 0


@_run
def cmd_review(args: argparse.Namespace) -> int:
    """Approve or reject a pending update as a named reviewer."""
    from geoapp.store.records import approve, reject

    store, user = _acting(args, "review")
    if args.decision == "approve":
        update = approve(store, user, args.update_id, "cli")
    else:
        update = reject(store, user, args.update_id, args.reason or "", "cli")
    print(f"{update['update_id']}: {update['state']}")
    return 0


def add_commands(sub) -> None:
    """Add the store's sub-commands to the ``geoapp`` parser."""

    def common(p):
        p.add_argument("--data", help="data directory (default: the bundled data); the store is "
                       "its store.sqlite unless DATABASE_URL names PostgreSQL")  # fmt: skip
        return p

    i = common(sub.add_parser("init-db", help="create the store and seed it from data/"))
    i.add_argument("--layers", help="layer definitions directory")
    i.set_defaults(func=cmd_init_db)
    d = common(sub.add_parser("dump", help="write the store back as GeoJSON + CSV files"))
    d.add_argument("dir", help="output directory")
    d.set_defaults(func=cmd_dump)
    u = common(sub.add_parser("user", help="accounts: add, list, disable, set-password, set-role"))
    u.add_argument("action", choices=["add", "list", "disable", "set-password", "set-role"])
    u.add_argument("name", nargs="?", default="", help="user name")
    u.add_argument("--role", help="viewer, planner, reviewer, gis or admin")
    u.add_argument("--department", help="e.g. 规划局")
    u.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    u.set_defaults(func=cmd_user)
    t = common(sub.add_parser("token", help="API tokens: create NAME | revoke TOKEN_ID"))
    t.add_argument("action", choices=["create", "revoke"])
    t.add_argument("name", help="user name (create) or token id (revoke)")
    t.set_defaults(func=cmd_token)
    r = common(sub.add_parser("record-status", help="propose a status update as a named planner"))
    r.add_argument("project", help="project id (see data/projects.csv)")
    r.add_argument("--user", required=True, help="the planner it is recorded as")
    r.add_argument(
        "--status", required=True, help="planned, preparing, launched, under_construction, …"
    )
    r.add_argument("--date", required=True, help="the day it happened, YYYY-MM-DD")
    r.add_argument("--kind", default="report", choices=["report", "target"])
    r.add_argument("--source", required=True, help="the document's title")
    r.add_argument("--publisher", help="who issued it (default: the user's department)")
    r.add_argument("--source-date", help="date of the document (default: --date)")
    r.add_argument("--url", help="where the document is published")
    r.add_argument("--file", help="the document (PDF or image) to keep with the update")
    r.add_argument("--quote", help="the sentence it quotes")
    r.add_argument("--note", help="a note")
    r.set_defaults(func=cmd_record_status)
    v = common(sub.add_parser("review", help="approve or reject a pending update as a reviewer"))
    v.add_argument("decision", choices=["approve", "reject"])
    v.add_argument("update_id")
    v.add_argument("--user", required=True, help="the reviewer (not the update's author)")
    v.add_argument("--reason", help="why (required to reject)")
    v.set_defaults(func=cmd_review)
