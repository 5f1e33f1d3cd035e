"""``podcast publish`` and ``serve``: the static site of the show."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from podcast.cli.common import echo, user_errors


@user_errors
def publish(
    slugs: Annotated[
        list[str] | None,
        typer.Argument(help="Publish only these episodes (default: every built episode)."),
    ] = None,
    site: Annotated[Path, typer.Option("--site", help="Folder of the static site.")] = Path(
        "public"
    ),
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="Where the site will live. Default: website in the show."),
    ] = None,
    remove: Annotated[
        list[str] | None, typer.Option("--remove", help="Take this episode (slug) out.")
    ] = None,
    episodes: Annotated[
        Path | None, typer.Option("--episodes", help="Built episodes. Default: episodes/.")
    ] = None,
    show: Annotated[
        Path | None,
        typer.Option("--show", help="Show config (TOML). Default: podcast.toml in the project."),
    ] = None,
    to: Annotated[
        str | None,
        typer.Option(
            "--to",
            help="Then deploy the site: a folder, or user@host:/path over SSH (rsync). Only "
            "changed files are copied, the feed last.",
        ),
    ] = None,
    ssh_opt: Annotated[
        list[str] | None,
        typer.Option("--ssh-opt", help="An ssh option KEY=VALUE for --to host (repeatable)."),
    ] = None,
) -> None:
    """Write a static site: feed.xml (RSS + itunes + podcast namespaces) and a page per episode.

    An episode that cannot be published is named on stderr (exit 1); the rest is published
    (and deployed with --to).
    """
    from podcast.config.show import load_show
    from podcast.project import find_project
    from podcast.publish.deploy import deploy
    from podcast.publish.site import publish_site as run_publish

    project = find_project()
    result = run_publish(
        episodes or project.episodes_dir,
        site,
        load_show(show, project.root),
        base_url=base_url,
        remove=tuple(remove or ()),
        only=tuple(slugs or ()),
    )
    for slug in result.removed:
        echo(f"removed {slug}", err=True)
    for slug in result.added:
        echo(f"added {slug}", err=True)
    for line in result.warnings:
        echo(f"warning: {line}", err=True)
    for line in result.skipped:
        echo(f"error: {line}", err=True)
    echo(f"{result.feed}  {len(result.episodes)} episodes")
    if to:
        done = deploy(site, to, tuple(ssh_opt or ()))
        echo(
            f"deployed to {done.destination}: {len(done.copied)} copied, {done.unchanged} "
            f"unchanged, {len(done.deleted)} deleted"
        )
    if result.skipped:
        raise typer.Exit(1)


@user_errors
def serve(
    site: Annotated[Path, typer.Option("--site", help="Folder of the static site.")] = Path(
        "public"
    ),
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="Port.")] = 8000,
) -> None:
    """Serve the published site on localhost (HEAD and byte ranges, so seeking works)."""
    from podcast.publish.serve import make_server

    server = make_server(site, port)
    echo(f"serving {site} at http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)")
    try:
        server.serve_forever()
    finally:
        server.server_close()
