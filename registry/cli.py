"""`flask --app registry …` commands. Each calls services and commits once."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from registry import auditlog
from registry.errors import DomainError
from registry.extensions import db
from registry.security import Role

users_cli = AppGroup("users", help="Manage user accounts.")
audit_cli = AppGroup("audit-log", help="The hash-chained audit log.")


@users_cli.command("create")
@click.option("--email", required=True)
@click.option("--name", default=None, help="Full name (defaults to the email's local part).")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([str(role) for role in Role]))
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user(email: str, name: str | None, roles: tuple[str, ...], password: str) -> None:
    """Create a user with one or more roles."""
    from registry.accounts.services import create_user as create

    try:
        user = create(email, name or email.split("@")[0], password, roles)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"created user {user.id} {user.email} roles={','.join(sorted(user.roles))}")


@users_cli.command("list")
def list_users() -> None:
    """List users with their roles and state."""
    from registry.accounts.models import User

    for user in db.session.scalars(db.select(User).order_by(User.id)):
        state = "active" if user.active else "inactive"
        click.echo(f"{user.id}\t{user.email}\t{','.join(sorted(user.roles))}\t{state}")


@users_cli.command("set-roles")
@click.option("--email", required=True)
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([str(role) for role in Role]))
def set_roles(email: str, roles: tuple[str, ...]) -> None:
    """Replace a user's roles."""
    _edit_user(email, roles=roles)


@users_cli.command("deactivate")
@click.option("--email", required=True)
def deactivate(email: str) -> None:
    """Deactivate a user: every session of theirs ends on its next request."""
    _edit_user(email, active=False)


@users_cli.command("reset-second-factor")
@click.option("--email", required=True)
def reset_second_factor(email: str) -> None:
    """Forget a user's second factor (lost phone and codes); their sessions end. Staff set up
    a new one at their next login. Recorded in the audit log."""
    from registry.accounts.models import find_by_email
    from registry.accounts.services import reset_second_factor as reset

    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    reset(user, actor=None)
    db.session.commit()
    click.echo(f"second factor of {user.email} reset; their sessions have ended")


def _edit_user(email: str, roles=None, active=None) -> None:
    from registry.accounts.models import find_by_email
    from registry.accounts.services import update_user

    user = find_by_email(email)
    if user is None:
        raise click.ClickException(f"no user with email {email}")
    try:
        update_user(user, name=user.name, roles=roles if roles is not None else user.roles,
                    active=user.active if active is None else active, actor=None)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    click.echo(f"updated {user.email}: roles={','.join(sorted(user.roles))} active={user.active}")


@audit_cli.command("verify")
def verify_audit_log() -> None:
    """Recompute the hash chain and report the first broken link (exit 1 if any)."""
    result = auditlog.verify_chain()
    if result.ok:
        click.echo(f"audit log intact: {result.checked} events checked")
        return
    click.echo(f"audit log BROKEN at event {result.broken_id}: {result.reason} "
               f"({result.checked} events before it are intact)", err=True)
    raise SystemExit(1)


schemes_cli = AppGroup("schemes", help="Criteria schemes.")


@schemes_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_scheme(path: str) -> None:
    """Validate a scheme file and store it as a new, immutable version."""
    from audits.schemes_store import store_scheme_file

    try:
        version, created = store_scheme_file(path)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    db.session.commit()
    state = "loaded" if created else "already loaded (same content)"
    click.echo(f"scheme {version.code} version {version.version} {state}")


@schemes_cli.command("list")
def list_schemes() -> None:
    """List stored scheme versions."""
    from audits.schemes_store import list_versions

    for version in list_versions():
        click.echo(f"{version.id}\t{version.code}\t{version.version}\t{version.content_hash[:12]}")


keys_cli = AppGroup("keys", help="QR signing keys.")


@keys_cli.command("init")
def keys_init() -> None:
    """Create the QR signing key if there is none (idempotent)."""
    from registry.certificates.documents import ensure_pdf_signer
    from registry.certificates.keys import ensure_key

    key = ensure_key()
    ensure_pdf_signer()
    db.session.commit()
    click.echo(f"active QR key: {key.kid}")


@keys_cli.command("rotate")
def keys_rotate() -> None:
    """Make a new key active; older keys stay published and valid for what they signed."""
    from registry.certificates.keys import create_key

    key = create_key()
    db.session.commit()
    click.echo(f"new active QR key: {key.kid}")


@click.command("verify")
@click.argument("url_or_token")
@click.option("--keys", "keys_file", required=True, type=click.Path(dir_okay=False),
              help="The JWK set published at /api/v1/keys, saved to a file.")
def verify_offline_command(url_or_token: str, keys_file: str) -> None:
    """Check a scanned verify URL (or bare token), or a verification receipt (its compact
    JWS, or a file holding it), offline, with no database.

    Exit status: 0 authentic, 1 not authentic, 2 unusable input.
    """
    import json
    from pathlib import Path

    from registry.certificates.offline import verify_any_offline

    try:
        jwks = json.loads(Path(keys_file).read_text())
    except (OSError, ValueError) as error:
        click.echo(f"UNUSABLE INPUT: cannot read the key set: {error}", err=True)
        raise SystemExit(2) from None
    text = url_or_token
    try:
        if len(text) < 4096 and Path(text).is_file():
            text = Path(text).read_text(errors="replace")  # a receipt saved to a file
    except OSError:
        pass  # not a file name: the token or receipt itself
    result = verify_any_offline(text, jwks)
    click.echo(result.as_text())
    raise SystemExit(result.exit_code)


jobs_cli = AppGroup("jobs", help="Scheduled work (run daily from cron).")


@jobs_cli.command("run")
@click.option("--date", "day", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Run as on this day (YYYY-MM-DD) instead of today in Italy.")
@click.option("--dry-run", is_flag=True,
              help="Show what the job would change, then undo it all (nothing is sent).")
def jobs_run(day, dry_run: bool) -> None:
    """Record expiries, withdraw suspensions older than six months, open surveillance audits
    and suspend overdue ones, send reminders (idempotent); then write the open-data dump and
    fold the history into the statistics' facts. With --dry-run, a rehearsal: every change
    is rolled back."""
    import datetime as dt
    import sys

    from registry.applications.surveillance import run_surveillance
    from registry.assessments.corrective import suspend_for_open_majors
    from registry.certificates.lifecycle import run_jobs
    from registry.complaints.services import remind_unacknowledged
    from registry.db import today_in_rome
    from registry.ministry.facts import compute as compute_facts
    from registry.opendata.dump import write_dump
    from registry.watching.clients import send_daily_digests
    from registry.watching.follows import purge_unconfirmed

    def bar(items):
        with click.progressbar(items, label="Certificati in vigore", file=sys.stderr,
                               show_pos=True) as walked:
            yield from walked

    changes: list = []
    on = day.date() if day else None
    counts = {**run_jobs(on, progress=bar, changes=changes),
              **run_surveillance(on, changes=changes),
              **suspend_for_open_majors(on, changes=changes),
              "digests": send_daily_digests(), "unconfirmed_follows": purge_unconfirmed(),
              "complaint_reminders": remind_unacknowledged(on)}
    for number, status in changes:
        click.echo(f"{number}: {status}")
    summary = ", ".join(f"{what}: {count}" for what, count in counts.items())
    if dry_run:
        db.session.rollback()
        click.echo(f"{summary} (prova: nessuna modifica salvata, nessuna email inviata)")
    else:
        db.session.commit()
        # The open-data dump and the statistics' facts read the register as the night's
        # changes left it; the facts hold through yesterday, the last day that has ended.
        summary += f", opendata_rows: {write_dump().rows}"
        run = compute_facts((on or today_in_rome()) - dt.timedelta(days=1))
        db.session.commit()
        summary += f", statistics_facts: {run.facts}"
        click.echo(summary)


webhooks_cli = AppGroup("webhooks", help="Deliver webhook messages to client endpoints.")


@webhooks_cli.command("deliver")
@click.option("--once", is_flag=True, required=True,
              help="One pass over the due deliveries, then exit (cron, tests).")
def webhooks_deliver(once: bool) -> None:
    """Send every due webhook message once (retries included) and print the counts."""
    from registry.watching.webhooks import deliver_due

    counts = deliver_due()
    click.echo(", ".join(f"{what}: {count}" for what, count in counts.items()))


@webhooks_cli.command("work")
@click.option("--poll", type=float, default=None,
              help="Seconds between two looks at the outbox (default WEBHOOK_POLL_SECONDS).")
def webhooks_work(poll: float | None) -> None:
    """The background worker: deliver due messages, sleep, repeat (stop with Ctrl-C or
    SIGTERM). Several workers may run at once on PostgreSQL."""
    import signal
    import time

    from registry.watching.webhooks import deliver_due

    stopping = []
    signal.signal(signal.SIGTERM, lambda *_args: stopping.append(True))
    pause = poll if poll is not None else current_app.config["WEBHOOK_POLL_SECONDS"]
    click.echo(f"webhooks worker: polling every {pause} s")
    try:
        while not stopping:
            counts = deliver_due()
            db.session.remove()
            if any(counts.values()):
                click.echo(", ".join(f"{what}: {count}" for what, count in counts.items()))
            time.sleep(pause)
    except KeyboardInterrupt:
        pass


@click.command("demo")
@click.option("--force", is_flag=True, help="Load even if the database already has users.")
def load_demo(force: bool) -> None:
    """Load demo data once (a user per role, firms in every state) and print the logins."""
    from registry.demo import DEMO_PASSWORD, DEMO_TOTP_SECRET, load_demo_data

    created = load_demo_data(force=force)
    db.session.commit()
    if created:
        click.echo("Demo data loaded.")
    click.echo(f"Demo logins (password for all: {DEMO_PASSWORD}):")
    click.echo(f"Staff also enter a code from an authenticator app set up with the secret "
               f"{DEMO_TOTP_SECRET}")
    from registry.demo import demo_logins

    for email, roles in demo_logins():
        click.echo(f"  {email:<34} {roles}")


@click.command("setup")
def setup() -> None:
    """Prepare a local install: migrate the database, then load demo data once."""
    from flask_migrate import upgrade

    upgrade()
    from registry.certificates.documents import ensure_pdf_signer
    from registry.certificates.keys import ensure_key

    ensure_key()
    ensure_pdf_signer()
    db.session.commit()
    ctx = click.get_current_context()
    ctx.invoke(load_demo, force=False)


@click.command("backup")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--verify", "verify_only", is_flag=True,
              help="Check an existing archive instead of writing one (exit 1 on any problem).")
@click.option("--passphrase-env", metavar="VAR",
              help="Name of the environment variable holding the passphrase that encrypts "
                   "the private keys (with --verify: also check that it opens them).")
@click.option("--without-private-keys", is_flag=True,
              help="Leave the signing keys out (new keys must be created after a restore).")
@with_appcontext
def backup_command(file: str, verify_only: bool, passphrase_env: str | None,
                   without_private_keys: bool) -> None:
    """Write one archive with the database, the stored files and the (encrypted) keys.

    The archive is a ZIP file with a manifest (SHA-256 of every member); it is never
    written over an existing file. With --verify FILE, check an archive instead.
    """
    from registry.backup import services

    try:
        passphrase = services.passphrase_from(passphrase_env)
        if verify_only:
            result = services.verify(file, passphrase=passphrase)
            if result.manifest:
                click.echo(f"{file}: {services.describe(result.manifest)}")
            if not result.ok:
                click.echo(f"{file}: {len(result.problems)} problem(s):", err=True)
                for problem in result.problems:
                    click.echo(f"  - {problem}", err=True)
                raise SystemExit(1)
            click.echo(f"{file}: every member matches the manifest; the database files parse; "
                       "every referenced file is present")
            return
        done = services.backup(file, passphrase=passphrase,
                               without_private_keys=without_private_keys)
    except services.BackupError as error:
        raise click.ClickException(str(error)) from None
    rows = sum(done.tables.values())
    keys = (f"{len(done.keys)} key file(s) encrypted" if done.keys_included
            else f"{len(done.keys)} key file(s) LEFT OUT (--without-private-keys)")
    click.echo(f"backup written to {done.path}: {len(done.tables)} tables, {rows} rows, "
               f"{done.files} files ({done.file_bytes} bytes), {keys}")
    if done.skipped:
        click.echo(f"left out {len(done.skipped)} certificate PDF(s) issued after the database "
                   "snapshot (they are rendered again when asked for)")
    if done.missing:
        click.echo(f"WARNING: {len(done.missing)} evidence file(s) referred to by the database "
                   "are missing from the store (their downloads answer 404):", err=True)
        for key in done.missing:
            click.echo(f"  - {key}", err=True)
        raise SystemExit(1)


@click.command("restore")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--passphrase-env", metavar="VAR",
              help="Name of the environment variable holding the archive's passphrase.")
@click.option("--without-private-keys", is_flag=True,
              help="Do not restore the signing keys even if the archive holds them.")
@with_appcontext
def restore_command(file: str, passphrase_env: str | None, without_private_keys: bool) -> None:
    """Restore an archive into an EMPTY database and file store (refused otherwise).

    Builds the schema with the migrations, loads the rows, the files and the keys, upgrades
    to the current revision and verifies the audit-log chain.
    """
    from registry.backup import services

    try:
        passphrase = services.passphrase_from(passphrase_env)
        done = services.restore(file, passphrase=passphrase,
                                without_private_keys=without_private_keys,
                                progress=lambda message: click.echo(f"restore: {message}"))
    except services.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"restored {file}: {services.describe(done.manifest)}")
    click.echo(f"{sum(done.tables.values())} rows in {len(done.tables)} tables, "
               f"{done.files} files")
    if not done.keys_restored:
        click.echo("NO PRIVATE KEYS were restored: certificates cannot be issued or their PDFs "
                   "signed until new keys exist. Run `flask --app registry keys init` (a new QR "
                   "signing key and PDF-signing keys; certificates already issued stay "
                   "verifiable with the published public keys).")
    if done.chain.ok:
        click.echo(f"audit log intact: {done.chain.checked} events checked")
        return
    click.echo(f"audit log BROKEN at event {done.chain.broken_id}: {done.chain.reason} "
               "(the rows are as the archive holds them)", err=True)
    raise SystemExit(1)


i18n_cli = AppGroup("i18n", help="Translation catalogues.")


@i18n_cli.command("fill-italian")
def fill_italian() -> None:
    """Italian is the source language: its catalogue translates every message to itself."""
    from pathlib import Path

    from babel.messages.pofile import read_po, write_po

    path = Path(__file__).parent / "translations" / "it" / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as handle:
        catalog = read_po(handle, locale="it")
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple | list):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100)
    click.echo(f"Italian catalogue complete: {len(catalog)} messages")


def register_cli(app: Flask) -> None:
    app.cli.add_command(setup)
    app.cli.add_command(i18n_cli)
    app.cli.add_command(users_cli)
    app.cli.add_command(schemes_cli)
    app.cli.add_command(keys_cli)
    app.cli.add_command(jobs_cli)
    app.cli.add_command(webhooks_cli)
    app.cli.add_command(verify_offline_command)
    app.cli.add_command(audit_cli)
    app.cli.add_command(load_demo)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
